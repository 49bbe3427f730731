"""Ctrl-C ends a run with status 130 and one line on stderr: never 1 (findings), never a traceback,
and never a report file that reads as complete."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_advisor.atomic_write import write_text_atomic

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = (ROOT / "fixtures" / "sources" / "mixed" / "nested" / "cfn.yml").read_text()

#: Runs the command line with the rules held up, so the test knows the run is in its middle.
HELD = """\
import signal, sys, time
# A shell that starts a job in the background (CI often does) makes it ignore SIGINT, and a child
# inherits that: restore Python's own handler, as an interactive terminal would have it.
signal.signal(signal.SIGINT, signal.default_int_handler)
import lambda_advisor.scanning as pipeline  # where collect and evaluate run
def held(*args, **kwargs):
    print("held", file=sys.stderr, flush=True)
    time.sleep(60)
pipeline.{stage} = held
from lambda_advisor.entry import main  # the program itself: it ends with os._exit
sys.argv = ["lambda-advisor", *sys.argv[1:]]
main()
"""


def _interrupt(tmp_path: Path, stage: str, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.Popen([sys.executable, "-c", HELD.format(stage=stage), *args], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first == "held\n", first + proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("stage", ["collect", "evaluate"])
def test_ctrl_c_exits_130_with_one_line_and_writes_no_report(tmp_path: Path, stage: str) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE)
    done = _interrupt(tmp_path, stage, "scan", ".", "--format", "json", "--output", "report.json")
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == ["lambda-advisor: interrupted: the run did not finish and wrote no "
                                        "complete report"], done.stderr
    assert not (tmp_path / "report.json").exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "t.yaml"]  # no temporary file left either


def test_ctrl_c_leaves_the_previous_report_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE)
    (tmp_path / "report.json").write_text('{"previous": true}')
    done = _interrupt(tmp_path, "evaluate", "scan", ".", "--format", "json", "--output", "report.json")
    assert done.returncode == 130 and "Traceback" not in done.stderr
    assert (tmp_path / "report.json").read_text() == '{"previous": true}'


def test_ctrl_c_with_the_report_on_stdout_prints_no_report(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE)
    done = _interrupt(tmp_path, "evaluate", "scan", ".", "--format", "sarif")
    assert done.returncode == 130 and done.stdout == "" and len(done.stderr.splitlines()) == 1


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "report.sarif"
    target.parent.mkdir()
    target.write_text("old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "new " * 100_000)
    assert target.read_text() == "old"
    assert list(target.parent.iterdir()) == [target]
