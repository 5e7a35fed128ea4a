"""The sleep kind's child: `steps` progress lines `step_seconds` apart, then a result.

It honours the stop flag like a trainer (a `stopped` line) and writes `done.txt` into its
output folder, which the handler reads on success. `fail` makes it fail at once quoting
server paths: `crash` (stderr lines, then exit 3) or `error` (an error line). `burn_cpu`
makes it first run a grandchild that spins until it has used that many CPU-seconds, wait for
it, and write the CPU-seconds its waited children used into `done.txt`; `wait_for` makes it
first wait (sleeping) until that file exists.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

SPIN = "import sys, time\nwhile time.process_time() < float(sys.argv[1]):\n    pass\n"


def _burn(cpu_seconds: float) -> float:
    """Run the spinning grandchild to its end; the CPU-seconds of this process's children."""
    subprocess.run([sys.executable, "-c", SPIN, str(cpu_seconds)], check=True)
    times = os.times()
    return times.children_user + times.children_system


def main(spec_path: Path) -> int:
    """Count the steps; the exit status."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    steps, pause = int(spec["steps"]), float(spec["step_seconds"])
    stop = Path(spec["work_dir"]) / "STOP"
    if spec.get("fail") == "crash":
        print(f"cannot read {spec['work_dir']}/input.bin", file=sys.stderr, flush=True)
        print(f'  File "{sys.prefix}/lib/reader.py", line 7', file=sys.stderr, flush=True)
        return 3
    if spec.get("fail") == "error":
        message = f"no space left on {spec['output_dir']}/part-0.parquet"
        print(json.dumps({"type": "error", "code": "disk_full", "message": message}), flush=True)
        return 1
    while spec.get("wait_for") and not Path(spec["wait_for"]).exists():
        time.sleep(0.05)
    done = f"slept {steps} steps"
    if spec.get("burn_cpu"):
        done = f"children used {_burn(float(spec['burn_cpu']))} CPU-seconds"
    for step in range(1, steps + 1):
        if stop.exists():
            print(json.dumps({"type": "stopped"}), flush=True)
            return 0
        time.sleep(pause)
        progress = {"type": "progress", "fraction": step / steps, "step": step}
        print(json.dumps({**progress, "total_steps": steps}), flush=True)
    (Path(spec["output_dir"]) / "done.txt").write_text(done, encoding="utf-8")
    print(json.dumps({"type": "result", "steps": steps}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
