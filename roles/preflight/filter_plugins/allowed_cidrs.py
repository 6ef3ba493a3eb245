"""Filters for preflight's checks of who may call the endpoint (app_allowed_cidrs).

Python's ipaddress instead of ansible.utils.ipaddr: that filter needs the netaddr library, which the pinned
environment (requirements/deploy.txt) does not install; the rule is the same (a network in CIDR notation,
no host bits set, IPv4 or IPv6).
"""

import ipaddress


def network_problem(value):
    """'' if value is an IPv4 or IPv6 network in CIDR notation, else why not."""
    text = str(value)
    if "/" not in text:
        single = 128 if ":" in text else 32
        return f"{text} has no prefix length (write it as {text}/{single} for one address)"
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError as e:
        return f"{text} is not a network in CIDR notation ({e})"
    return ""


def open_to_everyone(cidrs):
    """The entries of cidrs that allow every address (0.0.0.0/0 or ::/0)."""
    out = []
    for cidr in cidrs:
        try:
            if ipaddress.ip_network(str(cidr), strict=True).prefixlen == 0:
                out.append(str(cidr))
        except ValueError:
            continue
    return out


class FilterModule:
    def filters(self):
        return {"network_problem": network_problem, "open_to_everyone": open_to_everyone}
