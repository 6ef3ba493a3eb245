"""cloudformation_stack_leftovers against EC2- and CloudFormation-shaped responses (botocore's models): what
a deleted network stack left is deleted in order, what is already gone is skipped, check mode deletes
nothing."""

from tests.modules.harness import aws_error

CLOUDFORMATION_STACK_LEFTOVERS = "banknote.deploy.cloudformation_stack_leftovers"

STACK = {"StackName": "banknote-network"}
ARGS = {"region": "eu-west-1", "stack_name": "banknote-network"}


def resource(kind, physical):
    return {"StackName": "banknote-network", "LogicalResourceId": physical.replace("-", ""),
            "PhysicalResourceId": physical, "ResourceType": kind, "ResourceStatus": "DELETE_FAILED",
            "Timestamp": "2026-11-30T09:00:00Z"}


RESOURCES = {"StackResources": [
    resource("AWS::EC2::InternetGateway", "igw-1"),
    resource("AWS::EC2::InternetGateway", "igw-gone"),
    resource("AWS::EC2::RouteTable", "rtb-1"),
]}
IGW = {"InternetGateways": [
    {"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1", "State": "available"}]},
]}
RTB = {"RouteTables": [{"RouteTableId": "rtb-1", "Associations": [
    {"Main": False, "RouteTableAssociationId": "rtbassoc-1", "SubnetId": "subnet-1"},
    {"Main": True, "RouteTableAssociationId": "rtbassoc-main"},
]}]}


def describes():
    return [
        ("describe_internet_gateways", IGW, {"InternetGatewayIds": ["igw-1"]}),
        ("describe_internet_gateways", aws_error("InvalidInternetGatewayID.NotFound"),
         {"InternetGatewayIds": ["igw-gone"]}),
    ]


def test_gateways_detached_and_deleted_route_tables_disassociated_and_deleted(run_module):
    result = run_module(CLOUDFORMATION_STACK_LEFTOVERS, ARGS, {
        "cloudformation": [("describe_stack_resources", RESOURCES, STACK)],
        "ec2": [
            describes()[0],
            ("detach_internet_gateway", {}, {"InternetGatewayId": "igw-1", "VpcId": "vpc-1"}),
            ("delete_internet_gateway", {}, {"InternetGatewayId": "igw-1"}),
            describes()[1],
            ("describe_route_tables", RTB, {"RouteTableIds": ["rtb-1"]}),
            ("disassociate_route_table", {}, {"AssociationId": "rtbassoc-1"}),
            ("delete_route_table", {}, {"RouteTableId": "rtb-1"}),
        ],
    })
    assert (result["changed"], result["deleted"]) == (True, ["igw-1", "rtb-1"])


def test_check_mode_deletes_nothing(run_module):
    result = run_module(CLOUDFORMATION_STACK_LEFTOVERS, ARGS, {
        "cloudformation": [("describe_stack_resources", RESOURCES, STACK)],
        "ec2": [*describes(), ("describe_route_tables", RTB, {"RouteTableIds": ["rtb-1"]})],
    }, check_mode=True)
    assert (result["changed"], result["deleted"]) == (True, ["igw-1", "rtb-1"])


def test_a_stack_that_is_gone_leaves_nothing(run_module):
    gone = aws_error("ValidationError", "Stack with id banknote-network does not exist")
    result = run_module(CLOUDFORMATION_STACK_LEFTOVERS, ARGS, {
        "cloudformation": [("describe_stack_resources", gone, STACK)], "ec2": []})
    assert (result["changed"], result["deleted"]) == (False, [])
