"""Model pipeline: `python -m training --data PATH_OR_URL --out DIR [--seed N]`."""
