"""``umanize-gateway serve`` options: flags, their UMANIZE_* environment twins, and the defaults."""

from __future__ import annotations

import pytest

from gateway.cli import build_parser


def test_sharing_reads_is_on_by_default_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UMANIZE_SHARE_READS", raising=False)
    assert build_parser().parse_args(["serve"]).share_reads is True
    assert build_parser().parse_args(["serve", "--no-share-reads"]).share_reads is False
    monkeypatch.setenv("UMANIZE_SHARE_READS", "0")
    assert build_parser().parse_args(["serve"]).share_reads is False
    assert build_parser().parse_args(["serve", "--share-reads"]).share_reads is True
