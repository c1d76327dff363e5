#!/usr/bin/env python3
"""
Averages the weights of fine-tuned runs that share a starting point (a "model soup": runs from
the same weights with other seeds and learning rates land in one basin, and their mean usually
beats each of them), then exports the ONNX the app ships.

    python3 pipelines/train/average.py OUT.onnx RUN1.pt RUN2.pt [...] [--flip]
    python3 pipelines/train/average.py OUT.pt RUN1.pt RUN2.pt [...]      # the mean as a state dict (to --init from)

--flip exports the east-west flip test-time augmentation (see ExportedFlip in train.py).
"""
import sys
import torch

sys.path.insert(0, "pipelines/train")
from train import detector_for, export  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
out, paths = args[0], args[1:]
sds = [torch.load(p) for p in paths]
avg = {k: (sum(sd[k].float() for sd in sds) / len(sds)).to(sds[0][k].dtype) for k in sds[0]}
if out.endswith(".pt"):
    torch.save(avg, out)
    print(f"wrote {out}: mean of {len(paths)} runs")
    sys.exit(0)
m = detector_for(avg)
export(m, out, flip="--flip" in sys.argv)
print(f"wrote {out}: mean of {len(paths)} runs{' with flip augmentation' if '--flip' in sys.argv else ''}")
