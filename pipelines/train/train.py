#!/usr/bin/env python3
"""
Trains Vigie's LiDAR anomaly detector (CenterNet-style, ~60 k parameters) on the synthetic
mosaics exported by pipelines/train/export-patches.ts, and writes models/detector.onnx.

    python3 pipelines/train/train.py [--data tmp/detector-data] [--budget-s 660] [--out models/detector.onnx]

The ONNX graph takes RAW elevations in metres at 0.5 m (1x1xHxW, H and W multiples of 8) and
does its own normalisation: 2x2 mean to 1 m, local relief = z - (44 m and 100 m mean filters,
computed at 4 m and bilinearly upsampled), clamp/tanh scaling. Output (1x7xH/8xW/8, 4 m cells): sigmoid
heatmaps for mound, kiln, enclosure, pit; log diameter (m); sub-cell offsets x, y (cells).
Training uses the 1 m exports directly (the first 2x2 mean is done by the exporter, identically).
CPU only, one thread by default (OpenMP spin-waits badly on a busy 2-core box), fixed seeds; the held-out splits (calib, bench) are never read here.

Training is budgeted in wall-clock seconds, not iterations: the learning rate follows a warm-up +
cosine schedule over the elapsed share of the budget, so a run on a loaded machine does fewer
iterations but still anneals completely.
Reviewers' verdicts (`--verdicts DIR`, written by `vigie export training`): a share
(`--verdict-share`) of patches is cut around a reviewed detection; « oui » is a positive of the
(corrected) class, « non » a hard negative of every class, « peut-être » gives no loss around it;
the loss is computed only near reviewed detections (their `reviewed` disks), since the rest of
the window was never looked at by anyone.
Patches: 55 % centred near a planted feature (mounds, the hardest class, drawn most often and
ploughed / small mounds over-weighted), 15 % centred on a natural look-alike (hummock, boulder,
tree throw: hard negatives, from confusers.json of the training mosaics), 30 % anywhere.
"""
import argparse, glob, json, math, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["mound", "kiln", "enclosure", "pit"]
CELL = 4  # metres per output cell at 1 m working resolution


class Detector(nn.Module):
    """Input: elevations at 1 m (N,1,H,W), H and W multiples of 4."""

    def __init__(self, w=(16, 32, 40), small_relief=False):
        super().__init__()
        a, b, c = w
        self.small_relief = small_relief

        def cbr(i, o, k=3, s=1, d=1):
            p = d * (k - 1) // 2
            return nn.Sequential(nn.Conv2d(i, o, k, s, p, dilation=d, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))

        self.stem = nn.Sequential(
            nn.Conv2d(4 if small_relief else 3, a, 4, 2, 1, bias=False), nn.BatchNorm2d(a), nn.ReLU(inplace=True),  # 2 m
            cbr(a, a),
            cbr(a, b, s=2),  # 4 m
            cbr(b, c),
        )
        self.context = nn.Sequential(cbr(c, c, d=2), cbr(c, c, d=4), cbr(c, c, d=8))
        self.head = nn.Sequential(cbr(2 * c, c), nn.Conv2d(c, 7, 1))
        self.head[-1].bias.data[:4] = -4.6  # prior: heat ~0.01 everywhere

    def prep(self, z):
        # two local relief models: 44 m mean (small features) and 100 m mean (broad, low
        # ploughed mounds that a 44 m window would flatten); means at 4 m, bilinear back to 1 m.
        # small_relief adds a 20 m one: on knobs, scarps and steep slopes the 44 m relief is
        # metres high, its tanh saturates and clamps, and a small feature riding on it vanishes.
        m4 = F.avg_pool2d(z, 4, 4)
        out = []
        for k in ((11, 25, 5) if self.small_relief else (11, 25)):
            m = F.avg_pool2d(m4, (1, k), 1, (0, k // 2), count_include_pad=False)
            m = F.avg_pool2d(m, (k, 1), 1, (k // 2, 0), count_include_pad=False)
            out.append(z - F.interpolate(m, scale_factor=4.0, mode="bilinear", align_corners=False))
        r44, r100 = out[0], out[1]
        ch = [torch.clamp(r44 * 2.0, -6.0, 6.0), torch.tanh(r44 * 4.0), torch.tanh(r100 * 2.0)]
        if self.small_relief:
            ch.append(torch.tanh(out[2] * 4.0))
        return torch.cat(ch, 1)

    def forward(self, z):
        f = self.stem(self.prep(z))
        g = self.context(f)
        o = self.head(torch.cat([f, g], 1))
        return torch.cat([torch.sigmoid(o[:, :4]), o[:, 4:]], 1)


def detector_for(sd, small_relief=None):
    """A Detector shaped for state dict `sd`; small_relief=True on a 3-channel `sd` widens the
    first convolution with zero weights for the new channel (the model's output is unchanged)."""
    has = sd["stem.0.weight"].shape[1] == 4
    m = Detector(small_relief=has if small_relief is None else small_relief)
    if m.small_relief and not has:
        sd = dict(sd)
        w = sd["stem.0.weight"]
        sd["stem.0.weight"] = torch.cat([w, torch.zeros_like(w[:, :1])], 1)
    elif has and not m.small_relief:
        raise SystemExit("state dict has the small-relief channel; the model asked for has not")
    m.load_state_dict(sd)
    return m


class Exported(nn.Module):
    """What ships: 0.5 m raw elevations in, the 2x2 mean inside the graph."""

    def __init__(self, det):
        super().__init__()
        self.det = det

    def forward(self, z):
        return self.det(F.avg_pool2d(z, 2, 2))


class ExportedFlip(Exported):
    """Test-time augmentation: the model also sees the tile mirrored east-west; heatmaps and
    sizes are averaged cell by cell (cells of 8 input pixels map onto cells under the flip, as
    widths are multiples of 8), sub-cell offsets come from the direct pass. Twice the compute."""

    def forward(self, z):
        z1 = F.avg_pool2d(z, 2, 2)
        a = self.det(z1)
        b = torch.flip(self.det(torch.flip(z1, [3])), [3])
        return torch.cat([(a[:, :5] + b[:, :5]) * 0.5, a[:, 5:]], 1)


class Mosaic(tuple):
    """(name, z, feats, conf, variants) plus .valid (1 m data mask) and .real (a real DTM background)."""


def load_mosaics(root, split, P=160, real=True):
    out = []
    for meta_path in sorted(glob.glob(os.path.join(root, f"{split}-*", "meta.json"))):
        meta = json.load(open(meta_path))
        is_real = "source" in meta  # train-real-*: real terrain with planted features (export-patches.ts)
        if is_real and not real:
            continue
        d = os.path.dirname(meta_path)
        z = np.fromfile(os.path.join(d, "z.f32"), dtype=np.float32).reshape(meta["height"], meta["width"])
        vpath = os.path.join(d, "valid.u8")
        valid = np.fromfile(vpath, dtype=np.uint8).reshape(z.shape) if os.path.exists(vpath) else np.ones(z.shape, np.uint8)
        # parts narrower than a patch: edge-extended (as inference fills beyond data), no loss there
        ph, pw = max(0, P - z.shape[0]), max(0, P - z.shape[1])
        if ph or pw:
            z = np.pad(z, ((0, ph), (0, pw)), mode="edge")
            valid = np.pad(valid, ((0, ph), (0, pw)))
        feats = np.array([[f["col"], f["row"], CLASSES.index(f["class"]), f["diameter_m"]] for f in meta["features"]], dtype=np.float64).reshape(-1, 4)
        cpath = os.path.join(d, "confusers.json")
        clist = json.load(open(cpath)) if os.path.exists(cpath) else []
        conf = np.array([[c["col"], c["row"]] for c in clist], dtype=np.float64).reshape(-1, 2)
        # draw weight of each look-alike: re-mined ones (export-patches.ts --remine) REMINED_W, scaled
        # by their score up to 0.2 (the detector's reporting floor); the others 1
        remined = np.array([bool(c.get("remined")) for c in clist], dtype=bool)
        conf_w = np.where(remined, REMINED_W * np.minimum(1.0, np.array([c.get("score", 0.2) for c in clist], dtype=np.float64) / 0.2), 1.0)
        variants = [f.get("variant", "") for f in meta["features"]]
        # how far each planted feature stands out of its real ground (export-patches.ts; absent: generated ground)
        prom = np.array([f.get("prominence", math.inf) for f in meta["features"]], dtype=np.float64)
        m = Mosaic((meta["name"], z, feats, conf, variants))
        m.prom = prom
        m.valid, m.real, m.conf_w, m.remined = valid, is_real, conf_w, remined
        out.append(m)
    return out


def load_verdicts(root, P=160):
    """Examples of `vigie export training` (engine/review/training-export.ts) as mosaics with a
    known-label mask: 1 inside the disks of reviewed « oui » / « non » detections, 0 elsewhere and
    inside the disks of « peut-être » ones (uncertain: neither label is taught)."""
    out = []
    for meta_path in sorted(glob.glob(os.path.join(root, "examples", "*", "meta.json"))):
        meta = json.load(open(meta_path))
        if meta.get("split") != "verdict" or meta.get("pixel") != 1:
            raise SystemExit(f"{meta_path}: split {meta.get('split')!r}, pixel {meta.get('pixel')!r}; expected an example of `vigie export training` (split 'verdict', pixel 1)")
        d = os.path.dirname(meta_path)
        H, W = meta["height"], meta["width"]
        z = np.fromfile(os.path.join(d, "z.f32"), dtype=np.float32).reshape(H, W)
        valid = np.fromfile(os.path.join(d, "valid.u8"), dtype=np.uint8).reshape(H, W)
        known = np.zeros((H, W), np.uint8)
        yy, xx = np.mgrid[0:H, 0:W] + 0.5
        for r in sorted(meta["reviewed"], key=lambda r: r["label"] == "uncertain"):  # uncertain last: it wins
            disk = (xx - r["col"]) ** 2 + (yy - r["row"]) ** 2 <= r["r"] ** 2
            known[disk] = 0 if r["label"] == "uncertain" else 1
        ph, pw = max(0, P - H), max(0, P - W)
        if ph or pw:
            z = np.pad(z, ((0, ph), (0, pw)), mode="edge")
            valid = np.pad(valid, ((0, ph), (0, pw)))
            known = np.pad(known, ((0, ph), (0, pw)))
        feats = np.array([[f["col"], f["row"], CLASSES.index(f["class"]), f["diameter_m"]] for f in meta["features"]], dtype=np.float64).reshape(-1, 4)
        negs = np.array([[r["col"], r["row"]] for r in meta["reviewed"] if r["label"] == "negative"], dtype=np.float64).reshape(-1, 2)
        m = Mosaic((meta["name"], z, feats, negs, ["verdict"] * len(feats)))
        m.valid, m.real, m.verdict, m.known = valid, False, True, known
        m.centre, m.label = (meta["centre"]["col"], meta["centre"]["row"]), meta["centre"]["label"]
        out.append(m)
    return out


def make_targets(feats, P):
    """feats: (n,4) col,row (m, patch coords), class, diameter. Returns heat (4,S,S), reg (3,S,S), mask (S,S)."""
    S = P // CELL
    heat = np.zeros((4, S, S), np.float32)
    reg = np.zeros((3, S, S), np.float32)
    ind = np.zeros((S, S), np.float32)
    ii = np.arange(S, dtype=np.float32)
    for x, y, k, d in feats:
        cx, cy = x / CELL - 0.5, y / CELL - 0.5
        px, py = int(math.floor(x / CELL)), int(math.floor(y / CELL))
        sig = max(0.6, 0.1 * d / CELL)
        gx = np.exp(-((ii - px) ** 2) / (2 * sig * sig))
        gy = np.exp(-((ii - py) ** 2) / (2 * sig * sig))
        k = int(k)
        np.maximum(heat[k], gy[:, None] * gx[None, :], out=heat[k])
        if 0 <= px < S and 0 <= py < S:
            heat[k, py, px] = 1.0
            reg[0, py, px] = math.log(d)
            reg[1, py, px] = cx - px
            reg[2, py, px] = cy - py
            ind[py, px] = 1.0
    return heat, reg, ind


CLASS_DRAW = [0.4, 0.15, 0.15, 0.3]  # share of feature-centred patches per class


BIG_PLOUGHED_W = 1.0  # extra weight of ploughed mounds >= 20 m (set by --big-ploughed)
REMINED_W = 1.0  # draw weight of re-mined look-alikes (set by --remined-weight)
HARD_PROM_W = 1.0  # extra draw weight of real features of prominence 2-8 (set by --hard-prominence)
MIN_PROM = 0.0  # real features less prominent than this are not taught either way (set by --min-prominence)


def feature_weight(k, d, variant):
    """Within a class: ploughed mounds (low, broad, stretched) and small mounds are the misses."""
    if k == 0:
        w = (2.5 if variant == "ploughed" else 1.0) * (2.0 if d < 12 else 1.0)
        return w * (BIG_PLOUGHED_W if variant == "ploughed" and d >= 20 else 1.0)
    if k == 3:
        return 1.5 if d < 5 else 1.0
    return 1.0


def prominence_weight(prom, fi):
    """Real features visible but hard (prominence 2-8) drawn HARD_PROM_W times more; those under MIN_PROM never."""
    if prom is None or not math.isfinite(prom[fi]):
        return 1.0
    if prom[fi] < MIN_PROM:
        return 0.0
    return HARD_PROM_W if 2.0 <= prom[fi] < 8.0 else 1.0


class Pool:
    """Draw tables of a set of mosaics: features per class (weighted), look-alikes, mosaics by area."""

    def __init__(self, mosaics, idx):
        self.idx = idx
        self.by_class = []
        for k in range(4):
            items = [(mi, fi) for mi in idx for fi in range(len(mosaics[mi][2])) if int(mosaics[mi][2][fi, 2]) == k]
            w = np.array([feature_weight(k, mosaics[mi][2][fi, 3], mosaics[mi][4][fi]) * prominence_weight(getattr(mosaics[mi], "prom", None), fi) for mi, fi in items])
            keep = w > 0
            items, w = [it for it, kk in zip(items, keep) if kk], w[keep]
            self.by_class.append((items, w / w.sum() if len(w) else w))
        self.negs = [(mi, ci) for mi in idx for ci in range(len(mosaics[mi][3]))]
        nw = np.array([getattr(mosaics[mi], "conf_w", np.ones(len(mosaics[mi][3])))[ci] for mi, ci in self.negs], dtype=np.float64)
        # uniform draws (as before re-mining) unless some look-alikes weigh more
        self.neg_w = nw / nw.sum() if len(nw) and np.ptp(nw) > 0 else None
        # random patches: mosaics drawn by the square root of their area (small real parts still seen)
        a = np.array([math.sqrt(mosaics[mi][1].size) for mi in idx])
        self.area_w = a / a.sum()


class Sampler:
    def __init__(self, mosaics, P, rng, feat_share=0.55, neg_share=0.15, real_share=0.0, verdict_share=0.0):
        self.m, self.P, self.rng = mosaics, P, rng
        self.feat_share, self.neg_share, self.real_share = feat_share, neg_share, real_share
        self.verdict_share = verdict_share
        syn = [i for i, m in enumerate(mosaics) if not m.real and not getattr(m, "verdict", False)]
        real = [i for i, m in enumerate(mosaics) if m.real]
        # verdict examples: positives and hard negatives drawn half each when both exist
        ver = [i for i, m in enumerate(mosaics) if getattr(m, "verdict", False) and m.label != "uncertain"]
        self.verdicts = ver
        if ver:
            pos = np.array([mosaics[i].label == "positive" for i in ver], dtype=np.float64)
            w = np.where(pos > 0, 1.0 / max(1.0, pos.sum()), 1.0 / max(1.0, len(ver) - pos.sum())) if 0 < pos.sum() < len(ver) else np.ones(len(ver))
            self.verdict_w = w / w.sum()
        self.syn = Pool(mosaics, syn)
        self.real = Pool(mosaics, real) if real else None

    def corner(self, x, y, W, H):
        rng, P = self.rng, self.P
        c0 = int(np.clip(x - P / 2 + rng.uniform(-0.35, 0.35) * P, 0, W - P))
        r0 = int(np.clip(y - P / 2 + rng.uniform(-0.35, 0.35) * P, 0, H - P))
        return c0, r0

    def sample(self):
        rng, P = self.rng, self.P
        if self.verdicts and rng.random() < self.verdict_share:
            return self.sample_verdict()
        pool = self.real if self.real is not None and rng.random() < self.real_share else self.syn
        u = rng.random()
        k = int(rng.choice(4, p=CLASS_DRAW))
        if u < self.feat_share and len(pool.by_class[k][0]):
            items, w = pool.by_class[k]
            mi, fi = items[rng.choice(len(items), p=w)]
            _, z, f, _, _ = self.m[mi]
            c0, r0 = self.corner(f[fi, 0], f[fi, 1], z.shape[1], z.shape[0])
        elif u < self.feat_share + self.neg_share and pool.negs:
            mi, ci = pool.negs[rng.integers(len(pool.negs)) if pool.neg_w is None else rng.choice(len(pool.negs), p=pool.neg_w)]
            _, z, f, conf, _ = self.m[mi]
            c0, r0 = self.corner(conf[ci, 0], conf[ci, 1], z.shape[1], z.shape[0])
        else:
            mi = pool.idx[rng.choice(len(pool.idx), p=pool.area_w)]
            _, z, f, _, _ = self.m[mi]
            H, W = z.shape
            c0, r0 = int(rng.integers(0, W - P + 1)), int(rng.integers(0, H - P + 1))
        return self.cut(mi, c0, r0)

    def sample_verdict(self):
        mi = self.verdicts[self.rng.choice(len(self.verdicts), p=self.verdict_w)]
        z = self.m[mi][1]
        c0, r0 = self.corner(*self.m[mi].centre, z.shape[1], z.shape[0])
        return self.cut(mi, c0, r0)

    def cut(self, mi, c0, r0):
        rng, P = self.rng, self.P
        z, f = self.m[mi][1], self.m[mi][2]
        patch = z[r0:r0 + P, c0:c0 + P].astype(np.float32)
        valid = self.m[mi].valid[r0:r0 + P, c0:c0 + P].astype(np.float32)
        known = self.m[mi].known[r0:r0 + P, c0:c0 + P].astype(np.float32) if getattr(self.m[mi], "verdict", False) else None
        sel = (f[:, 0] > c0 - 60) & (f[:, 0] < c0 + P + 60) & (f[:, 1] > r0 - 60) & (f[:, 1] < r0 + P + 60)
        ff = f[sel].copy()
        ff[:, 0] -= c0
        ff[:, 1] -= r0
        prom = getattr(self.m[mi], "prom", None)
        # features that stand out of their real ground less than MIN_PROM: no target, and no loss
        # around them either (taught neither as a find nor as ground)
        faint = prom[sel] < MIN_PROM if prom is not None and MIN_PROM > 0 else np.zeros(len(ff), bool)
        # augmentation: dihedral group (coordinates follow np.rot90 / fliplr) and vertical scale
        k = int(rng.integers(4))
        for _ in range(k):
            patch = np.rot90(patch)
            valid = np.rot90(valid)
            known = None if known is None else np.rot90(known)
            ff[:, 0], ff[:, 1] = ff[:, 1].copy(), P - ff[:, 0]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
            valid = valid[:, ::-1]
            known = None if known is None else known[:, ::-1]
            ff[:, 0] = P - ff[:, 0]
        patch = (patch - patch.mean()) * rng.uniform(0.8, 1.25) + rng.uniform(-50, 500)
        heat, reg, ind = make_targets(ff[~faint], P)
        # output cells mostly without data give no loss (the detector drops what touches nodata)
        S = P // CELL
        cell_ok = (valid.reshape(S, CELL, S, CELL).mean(axis=(1, 3)) >= 0.5).astype(np.float32)
        if known is not None:  # verdicts: loss only where a reviewer said what is there
            cell_ok *= (known.reshape(S, CELL, S, CELL).mean(axis=(1, 3)) >= 0.5).astype(np.float32)
        if faint.any():
            cc = (np.arange(S) + 0.5) * CELL
            for x, y, _, d in ff[faint]:
                cell_ok[(cc[:, None] - y) ** 2 + (cc[None, :] - x) ** 2 <= (d / 2 + CELL) ** 2] = 0.0
        return np.ascontiguousarray(patch)[None], heat, reg, ind, cell_ok


CLASS_LOSS_W = torch.tensor([2.0, 1.0, 1.0, 1.5]).view(1, 4, 1, 1)  # mound, kiln, enclosure, pit


def focal(pred, gt, mask):
    """CenterNet focal loss, weighted per class (mounds and pits are the hard ones)."""
    pred = pred.clamp(1e-4, 1 - 1e-4)
    pos = (gt >= 0.999).float() * mask
    neg = (1 - (gt >= 0.999).float()) * mask
    pl = torch.log(pred) * (1 - pred) ** 2 * pos
    nl = torch.log(1 - pred) * pred ** 2 * (1 - gt) ** 4 * neg
    return -((pl + nl) * CLASS_LOSS_W).sum() / pos.sum().clamp(min=1.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="tmp/detector-data")
    ap.add_argument("--budget-s", type=float, default=660.0, help="training wall-clock budget, seconds")
    ap.add_argument("--max-iters", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=160)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--out", default="models/detector.onnx")
    ap.add_argument("--ckpt", default="tmp/detector-ckpt.pt")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--feat-share", type=float, default=0.55, help="share of patches centred near a planted feature")
    ap.add_argument("--neg-share", type=float, default=0.15, help="share of patches centred on a natural look-alike")
    ap.add_argument("--init", default=None, help="start from this state dict (e.g. recovered from the shipped ONNX by onnx2pt.py)")
    ap.add_argument("--freeze-bn", action="store_true", help="keep BatchNorm statistics fixed (fine-tuning from fused weights)")
    ap.add_argument("--big-ploughed", type=float, default=1.0, help="extra draw weight of ploughed mounds >= 20 m")
    ap.add_argument("--remined-weight", type=float, default=1.0, help="draw weight of re-mined look-alikes (confusers.json entries with remined: true) scoring >= 0.2; lower scores pro rata")
    ap.add_argument("--real-share", type=float, default=0.0, help="share of patches drawn from real DTM backgrounds (train-real-* mosaics)")
    ap.add_argument("--hard-prominence", type=float, default=1.0, help="draw weight of real planted features of prominence 2-8 (visible, but low over their ground's own relief)")
    ap.add_argument("--min-prominence", type=float, default=0.0, help="real planted features of lower prominence are neither targets nor ground (no loss around them)")
    ap.add_argument("--small-relief", action="store_true", help="a fourth input channel, relief against a 20 m mean (a 3-channel --init gets zero weights for it)")
    ap.add_argument("--verdicts", default=None, help="folder written by `vigie export training` (reviewed detections as examples)")
    ap.add_argument("--verdict-share", type=float, default=0.3, help="share of patches cut around a reviewed detection (with --verdicts)")
    args = ap.parse_args()
    global BIG_PLOUGHED_W, REMINED_W, HARD_PROM_W, MIN_PROM
    BIG_PLOUGHED_W = args.big_ploughed
    REMINED_W = args.remined_weight
    HARD_PROM_W, MIN_PROM = args.hard_prominence, args.min_prominence
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    mosaics = load_mosaics(args.data, "train", args.patch, real=args.real_share > 0)
    if args.verdicts:
        if not (0.0 < args.verdict_share < 1.0):
            raise SystemExit(f"--verdict-share {args.verdict_share}: expected a share in (0, 1)")
        ver = load_verdicts(args.verdicts, args.patch)
        if not ver:
            raise SystemExit(f"--verdicts {args.verdicts}: no examples/*/meta.json; expected the folder of `vigie export training --out`")
        labels = {k: sum(m.label == k for m in ver) for k in ("positive", "negative", "uncertain")}
        pos = {c: int(sum((m[2][:, 2] == k).sum() for m in ver if m.label == "positive")) for k, c in enumerate(CLASSES)}
        print(f"verdict examples: {len(ver)} {labels}, positives by class {pos} (uncertain ones only mask the loss)", flush=True)
        mosaics += ver
    for label, sel in (("synthetic", [m for m in mosaics if not m.real and not getattr(m, "verdict", False)]), ("real", [m for m in mosaics if m.real])):
        counts = {c: int(sum((m[2][:, 2] == k).sum() for m in sel)) for k, c in enumerate(CLASSES)}
        counts["look-alikes"] = int(sum(len(m[3]) for m in sel))
        print(f"{label} train mosaics: {len(sel)} ({sorted(set(m[0].rsplit('-', 1)[0] if m.real else m[0] for m in sel))}) features {counts}", flush=True)
    if args.resume and os.path.exists(args.ckpt):
        model = detector_for(torch.load(args.ckpt), True if args.small_relief else None)
    elif args.init:
        model = detector_for(torch.load(args.init), True if args.small_relief else None)
    else:
        model = Detector(small_relief=args.small_relief)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"parameters: {nparams}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)

    def lr_at(frac):  # warm-up over the first 5 % of the budget, then cosine down to 1 %
        if frac < 0.05:
            return args.lr * (0.1 + 0.9 * frac / 0.05)
        return args.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, (frac - 0.05) / 0.95))))
    sampler = Sampler(mosaics, args.patch, rng, args.feat_share, args.neg_share, args.real_share, args.verdict_share if args.verdicts else 0.0)
    if sampler.real is not None and sampler.real.neg_w is not None:
        rem = np.array([bool(mosaics[mi].remined[ci]) for mi, ci in sampler.real.negs], dtype=bool)
        print(f"real look-alikes: {len(rem)}, {int(rem.sum())} re-mined, drawn {sampler.real.neg_w[rem].sum():.0%} of real hard-negative patches", flush=True)
    S = args.patch // CELL
    border = np.zeros((S, S), np.float32)
    border[4:-4, 4:-4] = 1.0  # cells whose context is cut by the patch edge give no loss
    mask = torch.from_numpy(border)[None, None]
    t0 = time.time()
    model.train()
    if args.freeze_bn:
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.eval()
    run = 0.0
    it = 0
    while it < args.max_iters:
        frac = (time.time() - t0) / args.budget_s
        if frac >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(frac)
        b = [sampler.sample() for _ in range(args.batch)]
        z = torch.from_numpy(np.stack([x[0] for x in b]))
        heat = torch.from_numpy(np.stack([x[1] for x in b]))
        reg = torch.from_numpy(np.stack([x[2] for x in b]))
        cm = mask * torch.from_numpy(np.stack([x[4] for x in b]))[:, None]
        ind = torch.from_numpy(np.stack([x[3] for x in b]))[:, None] * cm
        out = model(z)
        lh = focal(out[:, :4], heat, cm)
        npos = ind.sum().clamp(min=1.0)
        ls = (torch.abs(out[:, 4:5] - reg[:, 0:1]) * ind).sum() / npos
        lo = (torch.abs(out[:, 5:7] - reg[:, 1:3]) * ind).sum() / npos
        loss = lh + 0.5 * ls + 0.5 * lo
        opt.zero_grad()
        loss.backward()
        opt.step()
        run = 0.98 * run + 0.02 * loss.item() if it else loss.item()
        if it % 50 == 0:
            print(f"it {it} lr {lr_at(frac):.5f} loss {run:.3f} (heat {lh.item():.3f} size {ls.item():.3f} off {lo.item():.3f}) {time.time() - t0:.0f}s", flush=True)
        if it % 500 == 499:
            torch.save(model.state_dict(), args.ckpt)
        it += 1
    torch.save(model.state_dict(), args.ckpt)
    export(model, args.out)
    print(f"trained {it} iterations in {time.time() - t0:.0f}s; wrote {args.out} ({os.path.getsize(args.out)} bytes, {nparams} parameters)")


def export(model, path, flip=False):
    model.eval()
    ex = ExportedFlip(model) if flip else Exported(model)
    dummy = torch.zeros(1, 1, 256, 256)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    torch.onnx.export(ex, dummy, path, opset_version=13, input_names=["elevation"], output_names=["maps"],
                      dynamic_axes={"elevation": {2: "h", 3: "w"}, "maps": {2: "h8", 3: "w8"}}, do_constant_folding=True)


if __name__ == "__main__":
    main()
