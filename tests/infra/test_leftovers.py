"""The shared teardown check (tests/support/leftovers.py) can fail: one of each kind, each reported.

A throwaway moto of its own (the infra tests' session moto holds their deployment): empty at start, where
the check must report nothing, then one resource of every kind the flow creates, where it must report each.
"""

from collections.abc import Iterator

import pytest

from tests.support.leftovers import ADMIN_POLICIES, Leftover, leftovers
from tests.support.moto import MotoServer, moto_server

PROJECT = "banknote"
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
         '"Principal":{"Service":"eks.amazonaws.com"}}]}')
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}'
TEMPLATE = '{"Resources":{"Handle":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}'


@pytest.fixture(scope="module")
def throwaway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with moto_server(tmp_path_factory.mktemp("moto-leftovers") / "moto.log") as server:
        yield server


def create_one_of_each(aws) -> dict[str, str]:
    """One resource per kind, named (or identified) as the check reports it: {kind: name}."""
    iam, ec2, eks = aws("iam"), aws("ec2"), aws("eks")
    # A role by prefix, not one of the four names the flow uses: the check must not list names.
    role = iam.create_role(RoleName=f"{PROJECT}-anything", AssumeRolePolicyDocument=TRUST)["Role"]
    iam.create_instance_profile(InstanceProfileName=f"{PROJECT}-profile")
    iam.create_policy(PolicyName=f"{PROJECT}-policy", PolicyDocument=POLICY)
    oidc = iam.create_open_id_connect_provider(Url="https://oidc.eks.us-east-1.amazonaws.com/id/LEFTOVER",
                                               ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{n}.0/24", AvailabilityZone=zone)
               ["Subnet"]["SubnetId"] for n, zone in enumerate(zones)]
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    group = ec2.create_security_group(GroupName=f"{PROJECT}-build-host", Description="build host",
                                      VpcId=vpc)["GroupId"]
    ec2.create_key_pair(KeyName=f"{PROJECT}-build-host")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0])["Instances"][0]
    eks.create_cluster(name=PROJECT, roleArn=role["Arn"], resourcesVpcConfig={"subnetIds": subnets})
    eks.create_fargate_profile(fargateProfileName=f"{PROJECT}-app", clusterName=PROJECT,
                               podExecutionRoleArn=role["Arn"], subnets=subnets,
                               selectors=[{"namespace": "default"}])
    aws("ecr").create_repository(repositoryName=PROJECT)
    aws("cloudformation").create_stack(StackName=f"{PROJECT}-network", TemplateBody=TEMPLATE)
    aws("logs").create_log_group(logGroupName=f"/aws/eks/{PROJECT}/cluster")
    elbv2 = aws("elbv2")
    elbv2.create_load_balancer(Name="k8s-default-banknote", Subnets=subnets, Type="network",
                               Scheme="internal")
    elbv2.create_target_group(Name="k8s-default-banknote-tg", Protocol="TCP", Port=8080, VpcId=vpc)
    # HTTPS on the aws target: the certificate the deploy requests, the alias record in the user's zone.
    certificate = aws("acm").request_certificate(DomainName="app.example.com",
                                                 ValidationMethod="DNS")["CertificateArn"]
    route53 = aws("route53")
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="leftovers")["HostedZone"]["Id"]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {"Name": "app.example.com", "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})
    return {
        "IAM role": f"{PROJECT}-anything",
        "IAM instance profile": f"{PROJECT}-profile",
        "IAM policy": f"{PROJECT}-policy",
        "OIDC provider": oidc["OpenIDConnectProviderArn"],
        "EKS cluster": PROJECT,
        "Fargate profile": f"{PROJECT}/{PROJECT}-app",
        "ECR repository": PROJECT,
        "CloudFormation stack": f"{PROJECT}-network",
        "log group": f"/aws/eks/{PROJECT}/cluster",
        "EC2 instance": instance["InstanceId"],
        "key pair": f"{PROJECT}-build-host",
        "Elastic IP": address,
        "VPC": vpc,
        "security group": f"{PROJECT}-build-host ({group})",
        "load balancer": "k8s-default-banknote",
        "target group": "k8s-default-banknote-tg",
        "ACM certificate": certificate,
        "Route 53 record": "app.example.com. A (example.com.)",
    }


def test_an_empty_account_has_no_leftovers_but_each_kind_is_reported(throwaway: MotoServer) -> None:
    # The administrator's policies exist from the start (the launcher creates them) and are not leftovers.
    admin = {p["PolicyName"] for p in throwaway.client("iam").list_policies(Scope="Local")["Policies"]}
    assert ADMIN_POLICIES, "no docs/bootstrap/*.json found"
    assert admin >= ADMIN_POLICIES
    assert leftovers(throwaway.client, PROJECT) == []

    created = create_one_of_each(throwaway.client)
    reported = leftovers(throwaway.client, PROJECT)
    assert sorted(reported) == sorted(Leftover(kind, name) for kind, name in created.items())

