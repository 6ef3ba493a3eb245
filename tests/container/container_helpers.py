"""Names the container tests share: the image's tag and base, and tests/support's docker and HTTP helpers
under the names these tests use."""

from tests.support.docker import PRODUCTION_FLAGS, Container, docker
from tests.support.http import request as http

__all__ = ["BASE_IMAGE", "IMAGE_TAG", "PRODUCTION_FLAGS", "Container", "docker", "http"]

IMAGE_TAG = "banknote:test"
BASE_IMAGE = "banknote/python-base:3.11-bookworm"
