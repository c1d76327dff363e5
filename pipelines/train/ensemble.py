#!/usr/bin/env python3
"""
Exports two detectors as one ONNX that runs both on the same tile and averages their maps cell
by cell (heatmaps and sizes; sub-cell offsets from the first): the cost of the east-west flip
(two passes), spent on two models of different lineages instead of one model twice.

    python3 pipelines/train/ensemble.py OUT.onnx FIRST.pt SECOND.pt [W]

W: the first model's weight, one number for every map, or five (mound, kiln, enclosure, pit,
size) to keep a class's heatmap from one model only (1 or 0); default 0.5. Judged like any
candidate (models/MODEL_CARD.md, « Eighth pass »): calibrate.ts, then the real-terrain bench.
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, "pipelines/train")
from train import detector_for  # noqa: E402


class Ensemble(nn.Module):
    def __init__(self, a, b, w):
        super().__init__()
        self.a, self.b = a, b
        self.register_buffer("w", w.view(1, 5, 1, 1))

    def forward(self, z):
        z1 = F.avg_pool2d(z, 2, 2)
        x, y = self.a(z1), self.b(z1)
        return torch.cat([x[:, :5] * self.w + y[:, :5] * (1 - self.w), x[:, 5:]], 1)


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    out, pa, pb = sys.argv[1:4]
    ws = [float(v) for v in sys.argv[4].split(",")] if len(sys.argv) == 5 else [0.5]
    if len(ws) not in (1, 5) or not all(0.0 <= v <= 1.0 for v in ws):
        raise SystemExit(f"W {sys.argv[4]}: expected one weight or five (mound, kiln, enclosure, pit, size), each in [0, 1]")
    w = torch.tensor(ws * 5 if len(ws) == 1 else ws, dtype=torch.float32)
    m = Ensemble(detector_for(torch.load(pa)), detector_for(torch.load(pb)), w).eval()
    torch.onnx.export(m, torch.zeros(1, 1, 256, 256), out, opset_version=13, input_names=["elevation"], output_names=["maps"],
                      dynamic_axes={"elevation": {2: "h", 3: "w"}, "maps": {2: "h8", 3: "w8"}}, do_constant_folding=True)
    print(f"wrote {out}: {pa} × {[round(v, 3) for v in w.tolist()]} + {pb} × the rest")


if __name__ == "__main__":
    main()
