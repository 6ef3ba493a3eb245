#!/usr/bin/python
"""Stand-in for banknote.deploy.ecr_image_scan_findings in the image gate test (test_image_gate.py):
same options, and the result the test wrote to the file named by BANKNOTE_FAKE_SCAN_RESULT (the real
module's logic is tested against Stubbers in tests/modules/test_build_modules.py)."""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={
        "repository": {"type": "str", "required": True},
        "tag": {"type": "str", "required": True},
        "wait_timeout": {"type": "int", "default": 600},
        "region": {"type": "str", "required": True},
    })
    with open(os.environ["BANKNOTE_FAKE_SCAN_RESULT"]) as result:
        module.exit_json(changed=False, **json.load(result))


if __name__ == "__main__":
    main()
