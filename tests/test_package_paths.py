"""One answer to "which local packages?" for the `scan` gate and the inspector alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.sources.package import inspect_documents
from lambda_advisor.sources.package_paths import has_local_packages, local_packages


def _doc(template: Path, local_path: str | None, **extra: Any) -> dict[str, Any]:
    return {"source": {"kind": "template", "file": str(template), "logical_id": "Fn"}, "package_type": "Zip",
            "code": {"local_path": local_path, "inspection": None}, "layers": [], **extra}


def test_a_path_relative_to_the_template_counts_from_any_working_folder(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app" / "src").mkdir(parents=True)
    (tmp_path / "app" / "src" / "tool.exe").write_bytes(b"MZ" + b"\0" * 62)
    doc = _doc(tmp_path / "app" / "template.yaml", "src")
    monkeypatch.chdir(tmp_path)  # "src" does not exist here, only beside the template
    assert local_packages(doc)[0] == tmp_path / "app" / "src"
    assert has_local_packages([doc])
    inspect_documents([doc])
    assert doc["code"]["inspection"]["files"] == 1


def test_sam_build_output_wins_and_live_or_image_documents_have_none(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / ".aws-sam" / "build" / "Fn").mkdir(parents=True)
    doc = _doc(tmp_path / "template.yaml", str(tmp_path / "src"))
    assert local_packages(doc)[0] == tmp_path / ".aws-sam" / "build" / "Fn"
    elsewhere = tmp_path / "other" / "template.yaml"  # no sam build beside this one
    assert not has_local_packages([_doc(elsewhere, str(tmp_path / "src"), package_type="Image"),
                                   {**doc, "source": {"kind": "account"}},
                                   _doc(elsewhere, "s3://bucket/key.zip")])
