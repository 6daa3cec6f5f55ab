"""`built_once`: what the tests share is built once per run, however many ask at once, and a failed build is not
taken for a finished one."""

import threading
import time

import pytest
from built_once import built_once, run_folder


def test_two_asking_at_once_get_one_build(tmp_path_factory):
    shared = run_folder(tmp_path_factory)  # made before the threads (pytest makes its temporary folder on first use)
    builds = []

    def build(folder):
        builds.append(folder)
        time.sleep(0.3)  # the other asks while this one builds
        (folder / "made").write_text("once")

    folders = []
    askers = [
        threading.Thread(target=lambda: folders.append(built_once(tmp_path_factory, "probe-concurrent", build)))
        for _ in range(2)
    ]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(30)
    assert len(builds) == 1 and len(folders) == 2 and folders[0] == folders[1]
    assert (folders[0] / "made").read_text() == "once"
    assert folders[0].parent == shared


def test_a_failed_build_is_built_again_from_an_empty_folder(tmp_path_factory):
    def broken(folder):
        (folder / "half").write_text("half written")
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError, match="the build failed"):
        built_once(tmp_path_factory, "probe-failed", broken)
    seen = []
    folder = built_once(tmp_path_factory, "probe-failed", lambda folder: seen.extend(folder.iterdir()))
    assert seen == [], "the second build starts from an empty folder"
    assert built_once(tmp_path_factory, "probe-failed", broken) == folder, "a finished build is not built again"
