"""Test servers run the product's own threaded uvicorn runner."""

from sandbox.server import ThreadedServer as LiveServer

__all__ = ["LiveServer"]
