"""Ansible's linear strategy run by Mitogen for Ansible (the `mitogen` package, requirements/deploy.in).

Mitogen keeps one Python interpreter per connection and runs each module in it, so a module's imports
(Ansible's module_utils, boto3 and botocore's service models) are paid once per run instead of once per
task. Mitogen's docs point `strategy_plugins` at the package's ansible_mitogen/plugins/strategy
(https://mitogen.networkgenomics.com/ansible_detailed.html); that path is inside the venv and names its
Python version, so ansible.cfg points here instead, and this is the package's own mitogen_linear.py.
Measured (docs/benchmark.md, bench/noop_rerun.sh linear): a no-op rerun of site.yml on the local target,
median 68.5 s with Ansible's linear strategy, 37.2 s with this one.
"""
import ansible_mitogen.loaders
import ansible_mitogen.strategy

Base = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, Base):
    """Linear (every task on every host before the next task), with Mitogen's connections and runner."""
