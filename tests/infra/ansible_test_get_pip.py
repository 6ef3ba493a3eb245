"""Stand-in for pip's get-pip.py, which ansible-test downloads from ci-files.testing.ansible.com to put pip
into each sanity test's empty virtual environment (ansible_test/_util/target/setup/requirements.py,
bootstrap). That host is not reachable here; this does the same with what Python ships: ensurepip installs
its bundled pip, which then installs the pinned pip and packages ansible-test asks for (sys.argv) from the
package index. test_collection.py puts it where ansible-test looks for its cached copy."""

import ensurepip
import os
import subprocess
import sys

if __name__ == "__main__":
    ensurepip.bootstrap(upgrade=False)
    # ensurepip leaves PIP_CONFIG_FILE=/dev/null in the environment (it installs from its own wheels);
    # the install from the index needs the machine's pip configuration (its CA certificate, mirrors).
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_CONFIG_FILE", "ENSUREPIP_OPTIONS")}
    # --no-setuptools / --no-wheel are get-pip's own options (do not install those two); ensurepip's
    # setuptools stays until ansible-test uninstalls its infrastructure packages after the install.
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    sys.exit(subprocess.run([sys.executable, "-m", "pip", "install", *args], env=env, check=False).returncode)
