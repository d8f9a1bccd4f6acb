"""The NAS examples (examples/nas_loop.py, examples/nas_dask.py) run, agree, and keep a true Pareto front."""
import json
import os
import subprocess
import sys



import odonata
from conftest import SRC

sys.path.insert(0, str(SRC / "examples"))
import nas_space  # noqa: E402


def test_a_candidate_has_the_hand_counted_macs():
    model = odonata.load(nas_space.build((8, 1, 3, 96)))
    # stem 3x3x3->8 at 48x48, stages 8->8 at 24x24, 8->16 at 12x12, 16->32 at 6x6 (3x3), fc 32->10.
    assert model.macs == 27 * 8 * 48 * 48 + 9 * 8 * 8 * 24 * 24 + 9 * 8 * 16 * 12 * 12 + 9 * 16 * 32 * 6 * 6 + 320
    assert model.inputs == {"image": (1, 3, 96, 96)}


def test_pareto_by_hand():
    # (latency, energy, macs): the 2nd is dominated by the 1st (slower, hungrier, smaller); ties both stay.
    points = [(1.0, 1.0, 10), (2.0, 2.0, 5), (0.5, 3.0, 10), (1.0, 1.0, 10), (3.0, 3.0, 50)]
    assert nas_space.pareto(points) == [0, 2, 3, 4]


def run_example(script, tmp_path, *args):
    out = tmp_path / (script + ".json")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"),
                                                                     str(SRC / "examples")])))
    p = subprocess.run([sys.executable, str(SRC / "examples" / script), "--samples", "40", "--json", str(out), *args],
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "Pareto front" in p.stdout
    return json.loads(out.read_text())


def test_the_loop_keeps_the_pareto_front_of_every_pair(tmp_path):
    front = run_example("nas_loop.py", tmp_path)
    platforms = {p.name: p for p in odonata.platforms(modes=True)}
    candidates = nas_space.sample(40, 0)
    points = {}
    for c in candidates:
        model = odonata.load(nas_space.build(c), name=nas_space.name(c))
        for name, p in platforms.items():
            r = odonata.estimate(model, p)  # the full report, not the fast path the example uses
            points[(nas_space.name(c), name)] = (r.total_ms, r.energy_mj, model.macs)
    on_front = {(r["candidate"], r["platform"]) for r in front}
    for r in front:
        assert points[(r["candidate"], r["platform"])] == (r["latency_ms"], r["energy_mj"], r["macs"])

    def dominates(b, a):
        return b[0] <= a[0] and b[1] <= a[1] and b[2] >= a[2] and b != a

    for key, a in points.items():
        dominated = any(dominates(b, a) for b in points.values())
        assert dominated != (key in on_front), key
    fastest = min(points, key=lambda k: (points[k][0], points[k][1], -points[k][2]))
    assert fastest in on_front


def test_dask_finds_the_same_front(tmp_path):
    assert run_example("nas_dask.py", tmp_path, "--workers", "2", "--batch", "10") == run_example("nas_loop.py",
                                                                                                  tmp_path)
