"""The free General MIDI banks Debian ships, compared per GM family by measurement (printed figures, not a test).

    .venv/bin/python bench/soundfonts.py [--banks fluidr3 musescore ...] [--families brass drums ...]
                                         [--engine 30 180] [--no-cost] [--programs] [--markdown] [--wav DIR]
                                         [--json out.json | --from-json out.json]

Every bank renders the same probe through the composer's own ``SoundFont``/``Synth`` (float, 48 kHz, dry: reverb
and chorus off, CC91/CC93 at 0, centre pan). Per GM program: four notes spread over the instrument's usual range
(the catalogue's range where the composer has one) at velocities 40, 80 and 120, each held 1 s; a 3 s held note
for sustained programs; a short phrase (an arpeggio and a three-note chord). The drum family is each of the
composer's eight kits (bank 128: 0, 8, 16, 24, 25, 32, 40, 48) hit on notes 35-81 at the same velocities, plus a
two-bar groove. Measured per program (per kit for drums):

* present — the preset exists in the file (otherwise FluidSynth plays the composer's fallback, bank 0 / 128
  program 0), times the share of probe notes that sound at all (peak above -80 dBFS);
* mono r / loss — left/right correlation and the level of (L+R)/2 against the channels' mean power, in dB, over
  the velocity-80 notes and the phrase (0 dB: mono-identical; -3 dB: uncorrelated; below: anti-phase);
* level — BS.1770 loudness (pyloudnorm) of the velocity-80 notes; *balance* is its distance from the bank's median
  program, *range* the spread between the four notes;
* velocity — loudness at 120 minus loudness at 40 (median over the four notes);
* bandwidth — 95 % spectral roll-off and *edge*, the highest 250 Hz band within 60 dB of the loudest band, at
  velocity 120 (a sample stored at 22 kHz, or played far below its root key, stops near 11 kHz);
* floor — the noise floor in the release: the 10th percentile of the 1-12 kHz power spectrum (between the
  partials) over the first 0.5 s after note-off, against the held note's strongest partial;
* wobble — for sustained programs, the 5-95 % spread of the 30 ms RMS (in dB, linear trend removed) over 0.5-3 s
  of a held note: loop clicks, pumping and beating between detuned layers (tremolo, e.g. program 44, shows too);
* wet r / loss — the phrase again with the synth's reverb and chorus on at GM default sends (CC91 40, CC93 0):
  what the patch's own effect-send generators add (FluidSynth's chorus return is strongly anti-phase).

Shown, not scored: *samples* and *layers* — how many distinct samples the preset spreads over the probed range,
and how many the middle key chooses between by velocity (read from the file's zones; stereo pairs count once).

Score per program, 0-100, documented in docs/soundfonts.md: 20 present + 20 mono (dry and wet) + 20 level
(balance, range) + 15 velocity + 10 bandwidth + 15 clean (floor, wobble), each part 0-1 on the linear ramps of
``_score``; a family's score is the mean of its programs'; parts a program lacks (wobble on a plucked sound) are
left out and the weights renormalised; *balance* compares with the median of the programs measured, so a run
narrowed with ``--families`` scores level against those alone. Banks in ``STYLE_BANKS`` are never named best.

Per bank also: the package and its installed size, the sample rates and stereo share of the file's samples, and
the cost on one pinned core, in CPU seconds (other work on the 2-core machine does not count): the ``SoundFont``
load; a fixed nine-track 30 s arrangement rendered bare on a fresh synthesizer, as every composer job gets one
(setup — loading the samples of its programs — and total), its peak RSS and whether repeated renders gave the
same bytes; the whole composer engine (stems on) on tracks of each ``--engine`` length for three prompts, and its
peak RSS. Each bank runs in its own child processes, one after the other (no parallel renders).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RATE = 48_000
VELOCITIES = (40, 80, 120)
HOLD_S = 1.0
TAIL_S = 0.5
SUSTAIN_S = 3.0
KITS = (0, 8, 16, 24, 25, 32, 40, 48)  # the composer's catalogue kits
DRUM_NOTES = range(35, 82)
SILENT = 1e-4  # -80 dBFS peak
#: Banks measured for reference but never named best: an emulation of a 1990s FM chip is a style, not a General
#: MIDI default, however clean its synthesized samples measure.
STYLE_BANKS = {"opl3"}
#: Each bank the composer's ``soundfont`` option names, with its licence (from the package's copyright file).
LICENCES = {
    "fluidr3": "MIT", "musescore": "MIT (parts CC0/PD)", "musescore-lite": "MIT (parts CC0/PD)",
    "musescore-lossless": "MIT (parts CC0/PD)", "fluidr3mono": "MIT", "timgm6mb": "GPL-2",
    "sf-gmbank": "public domain", "opl3": "CC-BY-SA-4.0",
}
FAMILIES = ("piano", "chromatic", "organ", "guitar", "bass", "strings", "ensemble", "brass", "reed", "pipe",
            "lead", "pad", "synth_fx", "ethnic", "percussive", "sound_fx", "drums")
#: Usual range (MIDI low, high) per family and whether its sounds hold, for a program the catalogue lacks (the
#: catalogue's own range and ``sustained`` flag are used where it has the program).
_FAMILY_RANGE = ((28, 103), (60, 96), (36, 96), (40, 84), (28, 55), (36, 96), (36, 96), (40, 82), (44, 84),
                 (60, 96), (48, 96), (36, 96), (36, 96), (48, 84), (45, 80), (48, 72))
_SUSTAINED_FAMILIES = {"organ", "ensemble", "brass", "reed", "pipe", "lead", "pad"}


def family_of(program: int) -> str:
    return FAMILIES[program // 8]


def _catalogue() -> dict[int, tuple[int, int, bool]]:
    from orchestrion.engines.composer.instruments import INSTRUMENTS

    return {i.program: (i.low, i.high, i.sustained) for i in INSTRUMENTS.values()
            if not i.is_drums and getattr(i, "bank", 0) == 0}


def _variations() -> set[tuple[int, int]]:
    """The (bank, program) of the catalogue's sounds outside General MIDI's bank 0 and the drum bank."""
    from orchestrion.engines.composer.instruments import INSTRUMENTS

    return {(i.bank, i.program) for i in INSTRUMENTS.values() if getattr(i, "bank", 0) not in (0, 128)}


# -- the file itself ---------------------------------------------------------------------------------------------

class SoundFontFile:
    """What the file says, read from its RIFF ``pdta`` list (the same layout in .sf2 and .sf3): the presets, each
    as the zones it plays (key range, velocity range, sample), and each sample's rate and type."""

    def __init__(self, path: Path) -> None:
        chunks = _pdta(path)
        shdr = chunks[b"shdr"]  # 46-byte records, the last a terminal one
        self.samples = [(struct.unpack_from("<I", shdr, k * 46 + 36)[0],  # (rate, type)
                         struct.unpack_from("<H", shdr, k * 46 + 44)[0]) for k in range(len(shdr) // 46 - 1)]
        pbag, ibag = _records(chunks[b"pbag"], 4, "<H"), _records(chunks[b"ibag"], 4, "<H")
        pgen, igen = _records(chunks[b"pgen"], 4, "<HH"), _records(chunks[b"igen"], 4, "<HH")
        instruments = _records(chunks[b"inst"], 22, "<H", 20)
        self.zones: dict[tuple[int, int], list[tuple[int, int, int, int, int]]] = {}
        phdr = chunks[b"phdr"]
        for k in range(len(phdr) // 38 - 1):
            program, bank, first = struct.unpack_from("<HHH", phdr, k * 38 + 20)
            last = struct.unpack_from("<H", phdr, (k + 1) * 38 + 24)[0]
            zones = []
            for pzone in _zones(pbag, pgen, first, last, 41):
                inst = pzone[41]
                for izone in _zones(ibag, igen, instruments[inst][0], instruments[inst + 1][0], 53):
                    klo, khi = max(pzone["key"][0], izone["key"][0]), min(pzone["key"][1], izone["key"][1])
                    vlo, vhi = max(pzone["vel"][0], izone["vel"][0]), min(pzone["vel"][1], izone["vel"][1])
                    if klo <= khi and vlo <= vhi:
                        zones.append((klo, khi, vlo, vhi, izone[53]))
            self.zones.setdefault((bank, program), zones)

    @property
    def presets(self) -> set[tuple[int, int]]:
        return set(self.zones)

    def depth(self, bank: int, program: int, low: int, high: int) -> tuple[int, int]:
        """(distinct samples over keys ``low``-``high``; distinct samples the middle key can play, i.e. its
        velocity layers), stereo pairs counted once: how finely the instrument was sampled."""
        zones = self.zones.get((bank, program), [])
        right = {i for i, (_, kind) in enumerate(self.samples) if kind & 2}
        samples = {z[4] for z in zones if z[0] <= high and z[1] >= low and z[4] not in right}
        mid = (low + high) // 2
        layers = {z[4] for z in zones if z[0] <= mid <= z[1] and z[4] not in right}
        return len(samples), len(layers)


def _pdta(path: Path) -> dict[bytes, bytes]:
    with open(path, "rb") as f:
        riff, size, form = struct.unpack("<4sI4s", f.read(12))
        if riff != b"RIFF" or form != b"sfbk":
            raise ValueError(f"{path} is not a SoundFont")
        while f.tell() < 8 + size:
            cid, length = struct.unpack("<4sI", f.read(8))
            kind = f.read(4) if cid == b"LIST" else b""
            if kind != b"pdta":
                # LIST lengths are taken as written: .sf3 writers leave an odd sample list unpadded
                f.seek(length - 4 if cid == b"LIST" else length + (length & 1), 1)
                continue
            chunks, stop = {}, f.tell() + length - 4
            while f.tell() < stop:
                sid, slen = struct.unpack("<4sI", f.read(8))
                chunks[sid] = f.read(slen)
            return chunks
    raise ValueError(f"{path} has no preset data")


def _records(data: bytes, size: int, fmt: str, offset: int = 0) -> list[tuple[int, ...]]:
    return [struct.unpack_from(fmt, data, k * size + offset) for k in range(len(data) // size)]


def _zones(bags, gens, first: int, last: int, target: int) -> list[dict]:
    """The zones of bags ``first``-``last`` that name ``target`` (41: an instrument, 53: a sample), with their key
    and velocity ranges; a leading zone without ``target`` is the global one, whose ranges are the default."""
    out, default = [], {"key": (0, 127), "vel": (0, 127)}
    for b in range(first, last):
        zone = dict(default)
        for oper, amount in gens[bags[b][0]: bags[b + 1][0]]:
            if oper in (43, 44):
                zone["key" if oper == 43 else "vel"] = (amount & 0xFF, amount >> 8)
            else:
                zone[oper] = amount
        if target in zone:
            out.append(zone)
        elif b == first:
            default = {"key": zone["key"], "vel": zone["vel"]}
    return out


def _installed_kib(package: str) -> int | None:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Installed-Size}", package], capture_output=True, text=True)
    return int(out.stdout) if out.returncode == 0 and out.stdout.strip().isdigit() else None


# -- rendering -------------------------------------------------------------------------------------------------

class Probe:
    """A dry synthesizer on channel 0 (melodic) or 9 (drums) that renders event lists and times itself."""

    def __init__(self, soundfont) -> None:
        self.synth = soundfont.synth()
        self.cpu = 0.0
        self.frames = 0

    def select(self, channel: int, bank: int, program: int, *, wet: bool = False) -> None:
        """Dry: effects off. Wet: the synth's default room and chorus at General MIDI's default sends (CC91 40,
        CC93 0), so only the patch's own send generators decide how much chorus it gets."""
        s = self.synth
        s.reset(reverb=(0.6, 0.3, 0.8, 0.9 if wet else 0.0), chorus=wet)
        s.program(channel, bank, program)
        for controller, value in ((7, 100), (10, 64), (11, 127), (91, 40 if wet else 0), (93, 0)):
            s.cc(channel, controller, value)

    def render(self, channel: int, events: list[tuple[float, int, int]], seconds: float) -> np.ndarray:
        """``events``: (time s, key, velocity; 0 = note-off) in time order."""
        out = np.zeros((int(round(seconds * RATE)), 2), np.float32)
        pos = 0
        start = time.process_time()
        for t, key, velocity in events:
            frame = min(int(round(t * RATE)), out.shape[0])
            if frame > pos:
                self.synth.write(out[pos:frame])
                pos = frame
            if velocity:
                self.synth.note_on(channel, key, velocity)
            else:
                self.synth.note_off(channel, key)
        if pos < out.shape[0]:
            self.synth.write(out[pos:])
        self.cpu += time.process_time() - start
        self.frames += out.shape[0]
        self.synth.cc(channel, 120, 0)  # all sound off: the next probe starts silent
        return out

    def note(self, channel: int, key: int, velocity: int, hold: float, tail: float) -> np.ndarray:
        return self.render(channel, [(0.0, key, velocity), (hold, key, 0)], hold + tail)

    def close(self) -> None:
        self.synth.close()


def _phrase(low: int, high: int) -> list[tuple[float, int, int]]:
    """An arpeggio up and down in eighths at 120 bpm, then a held three-note chord, around the range's middle."""
    root = (low + high) // 2 - 6
    steps = [0, 4, 7, 12, 7, 4, 0, -5]
    events = []
    for k, step in enumerate(steps):
        key = min(max(root + step, low), high)
        events += [(k * 0.25, key, 90), (k * 0.25 + 0.23, key, 0)]
    for key in (root, root + 4, root + 7):
        events.append((2.0, min(key, high), 90))
    events += [(3.0, min(key, high), 0) for key in (root, root + 4, root + 7)]
    return sorted(events, key=lambda e: (e[0], e[2] != 0))


def _groove() -> list[tuple[float, int, int]]:
    """Two bars of a rock beat at 110 bpm: kick 1 and 3, snare 2 and 4, closed hats in eighths, a crash on 1."""
    eighth = 60 / 110 / 2
    events = [(0.0, 49, 100)]
    for k in range(16):
        t = k * eighth
        events.append((t, 42, 100 if k % 2 == 0 else 70))
        if k % 4 == 0:
            events.append((t, 36, 110))
        if k % 4 == 2:
            events.append((t, 38, 105))
    events += [(t + 0.1, key, 0) for t, key, _ in list(events)]
    return sorted(events, key=lambda e: (e[0], e[2] != 0))


# -- measures ----------------------------------------------------------------------------------------------------

_METER = None


def lufs(x: np.ndarray) -> float:
    global _METER
    if _METER is None:
        import pyloudnorm

        _METER = pyloudnorm.Meter(RATE)
    if np.max(np.abs(x)) < SILENT:
        return float("nan")
    value = float(_METER.integrated_loudness(x.astype(np.float64)))
    return value if np.isfinite(value) else float("nan")


def mono(x: np.ndarray) -> tuple[float, float]:
    """(L/R correlation, dB of (L+R)/2 against the mean channel power)."""
    left, right = x[:, 0].astype(np.float64), x[:, 1].astype(np.float64)
    pl, pr = float(left @ left), float(right @ right)
    if pl + pr <= 0:
        return float("nan"), float("nan")
    r = float(left @ right) / max(np.sqrt(pl * pr), 1e-30)
    summed = float(np.sum((left + right) ** 2)) / 4
    return r, 10 * np.log10(max(summed, 1e-30) / ((pl + pr) / 2))


def bandwidth(x: np.ndarray) -> tuple[float, float]:
    """(95 % roll-off Hz, edge Hz): edge is the top of the highest 250 Hz band within 60 dB of the loudest."""
    from scipy.signal import welch

    freqs, psd = welch(x.astype(np.float64), RATE, nperseg=8192, axis=0)
    power = psd.sum(axis=1)
    total = power.sum()
    if total <= 0:
        return float("nan"), float("nan")
    rolloff = float(freqs[np.searchsorted(np.cumsum(power), 0.95 * total)])
    width = int(round(250 / (freqs[1] - freqs[0])))
    bands = np.add.reduceat(power, np.arange(0, power.size, width))
    loud = np.nonzero(bands >= bands.max() * 1e-6)[0]
    return rolloff, float(min((loud[-1] + 1) * 250, RATE / 2))


def _frame_db(x: np.ndarray, frame: int, hop: int) -> np.ndarray:
    power = (x.astype(np.float64) ** 2).mean(axis=1)
    c = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, power.size - frame + 1, hop)
    return 10 * np.log10((c[starts + frame] - c[starts]) / frame + 1e-20)


def floor(x: np.ndarray, off_s: float) -> float:
    """dB of the spectral floor in the first 0.5 s of the release (10th percentile of the 1-12 kHz power spectrum,
    between the partials) against the held note's strongest partial: hiss and noise baked into the samples."""
    from scipy.signal import welch

    held = x[int(0.2 * RATE): int(off_s * RATE)].astype(np.float64)
    release = x[int(off_s * RATE): int((off_s + 0.5) * RATE)].astype(np.float64)
    freqs, ref = welch(held, RATE, nperseg=4096, axis=0)
    _, psd = welch(release, RATE, nperseg=4096, axis=0)
    band = (freqs >= 1000) & (freqs <= 12000)
    value = np.percentile(psd.sum(axis=1)[band], 10) / max(ref.sum(axis=1).max(), 1e-30)
    return max(10 * np.log10(value + 1e-30), -160.0)


def wobble(x: np.ndarray) -> float:
    """5-95 % spread (dB) of the 30 ms RMS over a held note from 0.5 s on, its linear trend removed; NaN when the
    note does not hold (more than a tenth of the frames 40 dB under its loudest)."""
    db = _frame_db(x[int(0.5 * RATE): int(SUSTAIN_S * RATE)], 1440, 480)
    if db.max() < -100 or np.mean(db < db.max() - 40) > 0.1:
        return float("nan")
    t = np.arange(db.size)
    residual = db - np.polyval(np.polyfit(t, db, 1), t)
    return float(np.percentile(residual, 95) - np.percentile(residual, 5))


def _nanmedian(values) -> float:
    values = [v for v in values if v == v]
    return float(statistics.median(values)) if values else float("nan")


# -- the probe, per bank -----------------------------------------------------------------------------------------

def probe_program(probe: Probe, program: int, low: int, high: int, sustained: bool, wav: list | None) -> dict:
    probe.select(0, 0, program)
    keys = sorted({int(round(low + f * (high - low))) for f in (0.1, 0.37, 0.63, 0.9)})
    loud: dict[int, list[float]] = {v: [] for v in VELOCITIES}
    sounding, total, floors, bright, chunks = 0, 0, [], [], []
    for key in keys:
        for velocity in VELOCITIES:
            x = probe.note(0, key, velocity, HOLD_S, TAIL_S)
            total += 1
            if np.abs(x).max() < SILENT:
                loud[velocity].append(float("nan"))
                continue
            sounding += 1
            loud[velocity].append(lufs(x[: int((HOLD_S + 0.5) * RATE)]))
            if velocity == 80:
                floors.append(floor(x, HOLD_S))
                chunks.append(x)
            elif velocity == 120:
                bright.append(x[: int(HOLD_S * RATE)])
    phrase = probe.render(0, _phrase(low, high), 4.0)
    chunks.append(phrase)
    if wav is not None:
        wav.append(phrase)
    row = _common(loud, sounding, total, chunks, bright)
    row["floor"] = _nanmedian(floors)
    row["wobble"] = float("nan")
    if sustained:
        x = probe.note(0, (low + high) // 2, 80, SUSTAIN_S, 0.2)
        row["wobble"] = wobble(x)
    probe.select(0, 0, program, wet=True)
    row["wet_r"], row["wet_loss"] = mono(probe.render(0, _phrase(low, high), 5.0))
    return row


def probe_kit(probe: Probe, kit: int, wav: list | None) -> dict:
    probe.select(9, 128, kit)
    loud: dict[int, list[float]] = {v: [] for v in VELOCITIES}
    sounding, total, chunks, bright = 0, 0, [], []
    for key in DRUM_NOTES:
        for velocity in VELOCITIES:
            x = probe.note(9, key, velocity, 0.2, 1.0)
            total += 1
            if np.abs(x).max() < SILENT:
                loud[velocity].append(float("nan"))
                continue
            sounding += 1
            loud[velocity].append(lufs(x))
            if velocity == 80:
                chunks.append(x)
            elif velocity == 120:
                bright.append(x)
    groove = probe.render(9, _groove(), 3.0)
    chunks.append(groove)
    if wav is not None:
        wav.append(groove)
    row = _common(loud, sounding, total, chunks, bright)
    row["groove_lufs"] = lufs(groove)
    row["range"] = float("nan")  # kit pieces differ by design: the note loudness IQR stands for evenness
    row["floor"] = row["wobble"] = float("nan")
    probe.select(9, 128, kit, wet=True)
    row["wet_r"], row["wet_loss"] = mono(probe.render(9, _groove(), 4.0))
    return row


def _common(loud, sounding, total, chunks, bright) -> dict:
    at80 = [v for v in loud[80] if v == v]
    deltas = [b - a for a, b in zip(loud[40], loud[120]) if a == a and b == b]
    r, loss = mono(np.concatenate(chunks)) if chunks else (float("nan"), float("nan"))
    rolloff, edge = bandwidth(np.concatenate(bright)) if bright else (float("nan"), float("nan"))
    power = [10 ** (v / 10) for v in at80]
    return {
        "sounding": sounding / total,
        "lufs": 10 * np.log10(np.mean(power)) if power else float("nan"),
        "range": max(at80) - min(at80) if len(at80) > 1 else float("nan"),
        "iqr": float(np.subtract(*np.percentile(at80, [75, 25]))) if len(at80) > 3 else float("nan"),
        "velocity": _nanmedian(deltas),
        "r": r,
        "loss": loss,
        "rolloff": rolloff,
        "edge": edge,
    }


def run_probe(path: Path, families: list[str], wav_dir: str | None, key: str) -> dict:
    from orchestrion.engines.composer.soundfont import SoundFont

    catalogue = _catalogue()
    info = SoundFontFile(path)
    presets = info.presets
    soundfont = SoundFont(path)
    probe = Probe(soundfont)
    programs: dict[str, dict] = {}
    waves: dict[str, list] = {}
    try:
        for program in range(128):
            family = family_of(program)
            if family not in families:
                continue
            low, high = _FAMILY_RANGE[program // 8]
            low, high, sustained = catalogue.get(program, (low, high, family in _SUSTAINED_FAMILIES))
            row = probe_program(probe, program, low, high, sustained, waves.setdefault(family, []) if wav_dir
                                else None)
            row.update(family=family, preset=(0, program) in presets)
            row["samples"], row["layers"] = info.depth(0, program, low, high)
            programs[str(program)] = row
        if "drums" in families:
            for kit in KITS:
                row = probe_kit(probe, kit, waves.setdefault("drums", []) if wav_dir else None)
                row.update(family="drums", preset=(128, kit) in presets)
                row["samples"], row["layers"] = info.depth(128, kit if (128, kit) in presets else 0, 35, 81)
                programs[f"kit{kit}"] = row
    finally:
        probe.close()
        soundfont.close()
    if wav_dir:
        import soundfile

        Path(wav_dir).mkdir(parents=True, exist_ok=True)
        for family, parts in waves.items():
            gap = np.zeros((RATE // 4, 2), np.float32)
            audio = np.concatenate([p for part in parts for p in (part, gap)])
            soundfile.write(Path(wav_dir) / f"{key}-{family}.wav", audio, RATE, subtype="FLOAT")
    seconds = probe.frames / RATE
    return {"programs": programs, "probe_cpu_per_s": probe.cpu / seconds if seconds else float("nan"),
            "probe_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# -- cost, per bank --------------------------------------------------------------------------------------------

def arrangement():
    """A fixed 30 s score (28 s of music at 120 bpm and a 2 s tail) as busy as the composer's fuller output: nine
    tracks over C-Am-F-G, the same events for every bank and independent of the composer's own choices."""
    from orchestrion.engines.composer.score import Note, Score, TempoChange, Track

    chords = ((48, 52, 55, 60), (45, 52, 57, 60), (41, 53, 57, 60), (43, 50, 55, 59))
    melody = (72, 74, 76, 79, 77, 76, 74, 72)
    bars = 14
    setup = {  # name: (role, program, pan, chorus)
        "piano": ("harmony", 0, -0.2, 0.0), "strings": ("pad", 48, 0.3, 0.0), "bass": ("bass", 33, 0.0, 0.0),
        "drums": ("drums", 0, 0.0, 0.0), "lead": ("melody", 81, 0.0, 0.2), "brass": ("harmony", 61, 0.2, 0.0),
        "guitar": ("harmony", 25, -0.4, 0.1), "pad": ("pad", 89, 0.0, 0.3), "timpani": ("percussion", 47, -0.1, 0.0),
    }
    parts: dict[str, list[Note]] = {name: [] for name in setup}
    for bar in range(bars):
        t0, chord = bar * 4.0, chords[bar % 4]
        root = chord[0] - 12
        parts["piano"] += [Note(t0 + h, 1.9, p, 80) for h in (0.0, 2.0) for p in (root + 12, *chord[1:])]
        parts["strings"] += [Note(t0, 4.0, p, 75) for p in chord]
        parts["pad"] += [Note(t0, 4.0, p + 12, 60) for p in chord[1:]]
        parts["bass"] += [Note(t0 + k / 2, 0.45, root, 95 if k % 2 == 0 else 75) for k in range(8)]
        parts["lead"] += [Note(t0 + k / 2, 0.48, melody[(k + bar) % 8], 90) for k in range(8)]
        parts["brass"] += [Note(t0 + b, 0.4, p, 100) for b in (0.0, 2.5) for p in chord[1:]]
        parts["guitar"] += [Note(t0 + 0.015 * i, 1.9, p, 85) for i, p in enumerate((root + 12, *chord))]
        parts["timpani"].append(Note(t0, 1.0, root + 12 if root < 40 else root, 90))
        parts["drums"] += [Note(t0 + k / 2, 0.1, 42, 90 if k % 2 == 0 else 60) for k in range(8)]
        parts["drums"] += [Note(t0 + b, 0.1, 36, 110) for b in (0.0, 2.0)] + [Note(t0 + b, 0.1, 38, 105)
                                                                               for b in (1.0, 3.0)]
        if bar % 4 == 0:
            parts["drums"].append(Note(t0, 0.1, 49, 110))
    tracks = [Track(name, role, program, is_drums=name == "drums", notes=sorted(parts[name], key=lambda n: n.start),
                    pan=pan, chorus=chorus) for name, (role, program, pan, chorus) in setup.items()]
    return Score(tempo=[TempoChange(0.0, 120.0)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                 tracks=tracks, length_beats=bars * 4.0, tail_seconds=2.0)


def _bare(soundfont, score) -> tuple[np.ndarray, float]:
    """Every track on its own channel of a fresh synthesizer (as each composer job gets), one stereo output with
    reverb and chorus, events straight from the score: FluidSynth's own cost for this bank, whatever the mixer
    around it does. Returns the audio and the seconds spent before the first note (synthesizer, programs)."""
    start = time.process_time()
    melodic = iter(c for c in range(16) if c != 9)
    channels = [9 if t.is_drums else next(melodic) for t in score.tracks]
    beat = RATE * 60.0 / score.tempo[0].bpm
    events = []
    with soundfont.synth() as synth:
        synth.reset()
        for channel, track in zip(channels, score.tracks):
            synth.program(channel, 128 if track.is_drums else 0, track.program)
            for controller, value in ((7, 100), (10, int(64 + 63 * track.pan)), (91, int(127 * track.reverb)),
                                      (93, int(127 * track.chorus))):
                synth.cc(channel, controller, value)
            for n in track.notes:
                events += [(int(n.start * beat), 1, channel, n.pitch, n.velocity),
                           (int((n.start + n.duration) * beat), 0, channel, n.pitch, 0)]
        setup = time.process_time() - start
        out = np.zeros((int(score.duration_seconds * RATE), 2), np.float32)
        pos = 0
        for frame, on, channel, key, velocity in sorted(events):
            if frame > pos:
                synth.write(out[pos:frame])
                pos = frame
            if on:
                synth.note_on(channel, key, velocity)
            else:
                synth.note_off(channel, key)
        synth.write(out[pos:])
    return out, setup


PROMPTS = (
    "Majestic orchestral film score, soaring strings, prominent French horns and timpani, dramatic and cinematic",
    "Upbeat pop rock song with electric guitars, bass, drums and piano",
    "Energetic EDM festival track with a supersaw lead, big pads and four on the floor kick",
)


def _timed(run) -> tuple[float, bool]:
    """Median CPU time (user + system, this process: FluidSynth renders on the calling thread) of three runs after
    a warm-up, and whether they gave the same bytes. CPU time rather than wall time, so that other work on the
    machine does not count; on an idle core the two agree."""
    run()
    walls, digests = [], set()
    for _ in range(3):
        start = time.process_time()
        audio = run()
        walls.append(time.process_time() - start)
        digests.add(hashlib.sha256(audio.tobytes()).hexdigest())
    return statistics.median(walls), len(digests) == 1


def run_cost(path: Path) -> dict:
    """Load the bank, then render the fixed arrangement bare: setup and total CPU time, same bytes, peak RSS."""
    from orchestrion.engines.composer.soundfont import SoundFont

    score = arrangement()
    start = time.perf_counter()
    soundfont = SoundFont(path)
    result: dict = {"load_s": time.perf_counter() - start, "loadavg": os.getloadavg()[0]}
    setups: list[float] = []

    def bare() -> np.ndarray:
        audio, setup = _bare(soundfont, score)
        setups.append(setup)
        return audio

    result["bare_s"], result["bare_same"] = _timed(bare)
    result["setup_s"] = statistics.median(setups[1:])
    soundfont.close()
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["loadavg"] = max(result["loadavg"], os.getloadavg()[0])
    return result


def run_engine(path: Path, durations: list[float]) -> dict:
    """The whole composer engine (interpret, compose, render with stems, master) on this bank: CPU seconds per
    :data:`PROMPTS` entry at each duration, best of two after a warm-up, and the process's peak RSS."""
    try:
        from orchestrion.engines.base import GenerationRequest
        from orchestrion.engines.composer import ComposerEngine

        engine = ComposerEngine({"soundfont": str(path), "stems": True})
        engine.load()

        def generate(prompt: str, seconds: float, seed: int) -> float:
            start = time.process_time()
            [result] = engine.generate([GenerationRequest(prompt=prompt, seed=seed, duration=seconds)],
                                       lambda i, f: None)
            if isinstance(result, BaseException):
                raise result
            return time.process_time() - start

        generate(PROMPTS[0], 10.0, 2)
        times = {str(d): [min(generate(p, d, 1) for _ in range(2)) for p in PROMPTS] for d in durations}
        engine.close()
        return {"engine_s": times, "engine_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "engine_loadavg": os.getloadavg()[0]}
    except Exception as exc:  # the composer is not this bench's to fix: say so and go on
        return {"engine_error": f"{type(exc).__name__}: {exc}"}


# -- scoring and printing ----------------------------------------------------------------------------------------

def _ramp(value: float, good: float, bad: float) -> float:
    """1 at ``good`` or better, 0 at ``bad`` or worse, linear between."""
    if value != value:
        return 0.0
    return float(min(1.0, max(0.0, (value - bad) / (good - bad))))


#: Score points by which a bank must beat the default in a family before it counts as clearly better there: banks
#: cut from the same recordings (MuseScore General as .sf3, .sf2 and Lite; FluidR3 and its mono cut) differ by up
#: to 3.
CLEAR = 5
WEIGHTS = {"present": 20, "mono": 20, "level": 20, "velocity": 15, "bandwidth": 10, "clean": 15}


def _score(row: dict, median: float) -> dict[str, float]:
    """Each part 0-1 (see docs/soundfonts.md)."""
    parts = {
        "present": (1.0 if row["preset"] else 0.0) * row["sounding"],
        "mono": (_ramp(row["loss"], -1.0, -5.0) + _ramp(row["wet_loss"], -3.0, -6.0)) / 2,
        "velocity": _ramp(max(10.0 - row["velocity"], row["velocity"] - 25.0, 0.0), 0.0, 6.0),
        "bandwidth": _ramp(row["edge"], 16_000, 8_000),
    }
    balance = _ramp(abs(row["lufs"] - median), 3.0, 12.0)
    spread = row["range"] if row["family"] != "drums" else row["iqr"]
    parts["level"] = (balance + _ramp(spread, 6.0, 18.0)) / 2
    clean = []
    if row["floor"] == row["floor"] and row["family"] != "sound_fx":  # noise is what sound effects are made of
        clean.append(_ramp(row["floor"], -90.0, -60.0))
    if row["wobble"] == row["wobble"]:
        clean.append(_ramp(row["wobble"], 2.0, 8.0))
    if clean:
        parts["clean"] = sum(clean) / len(clean)
    return parts


def score_of(parts: dict[str, float]) -> float:
    weight = sum(WEIGHTS[k] for k in parts)
    return 100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / weight


def _fmt(value: float, spec: str, width: int) -> str:
    return f"{'-':>{width}}" if value is None or value != value else f"{value:{spec}}".rjust(width)


def _spread(rows: list[dict]) -> float:
    if rows[0]["family"] == "drums":
        return _nanmedian([r["iqr"] for r in rows])
    loud = [r["lufs"] for r in rows if r["lufs"] == r["lufs"]]
    return max(loud) - min(loud) if len(loud) > 1 else float("nan")


def _worst(key: str):
    return lambda rows: min((r[key] for r in rows if r[key] == r[key]), default=float("nan"))


def _median(key: str, scale: float = 1.0):
    return lambda rows: _nanmedian([r[key] * scale for r in rows])


#: (header, width, format, aggregate over a family's rows); a program's own row applies it to itself alone.
COLUMNS = (
    ("present", 8, ".0%", lambda rows: statistics.mean((1.0 if r["preset"] else 0.0) * r["sounding"] for r in rows)),
    ("r min", 6, ".2f", _worst("r")),
    ("r med", 6, ".2f", _median("r")),
    ("mono dB", 8, ".1f", _worst("loss")),
    ("wet r", 6, ".2f", _worst("wet_r")),
    ("wet dB", 7, ".1f", _worst("wet_loss")),
    ("LUFS", 6, ".1f", _median("lufs")),
    ("spread", 7, ".1f", _spread),
    ("range", 6, ".1f", _median("range")),
    ("vel dB", 7, ".1f", _median("velocity")),
    ("roll kHz", 9, ".1f", _median("rolloff", 1e-3)),
    ("edge kHz", 9, ".1f", _median("edge", 1e-3)),
    ("floor", 6, ".0f", _median("floor")),
    ("wobble", 7, ".1f", _median("wobble")),
    ("samples", 8, ".0f", _median("samples")),
    ("layers", 7, ".0f", _median("layers")),
)


def _line(cells: list[str], widths: list[int], markdown: bool, left: int = 1) -> str:
    """One table row; the first ``left`` cells are left-aligned."""
    if markdown:
        return "| " + " | ".join(c.strip() for c in cells) + " |"
    return "".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def report(results: dict, families: list[str], programs: bool, markdown: bool = False) -> None:
    table = _family_tables(results, families, programs, markdown)
    _summary(results, families, table, markdown)
    _cost_tables(results, markdown)


def _heading(text: str, markdown: bool) -> None:
    print(f"\n{'###' if markdown else '=='} {text}\n")


def _header(heads: list[str], widths: list[int], markdown: bool, left: int = 1) -> None:
    print(_line(heads, widths, markdown, left))
    if markdown:
        print("|" + "---|" * len(heads))


def _family_tables(results: dict, families: list[str], programs: bool, markdown: bool) -> dict[str, dict]:
    """A table per family (a row per bank, and per program with ``programs``); returns family -> bank -> score."""
    medians = {key: _nanmedian([r["lufs"] for name, r in res["programs"].items() if not name.startswith("kit")])
               for key, res in results.items()}
    widths = [19] + [c[1] for c in COLUMNS] + [6]
    table: dict[str, dict[str, float]] = {}
    for family in families:
        first = FAMILIES.index(family) * 8
        _heading(f"{family} (" + ("kits 0 8 16 24 25 32 40 48, notes 35-81; spread = median IQR of note loudness"
                                  if family == "drums" else f"programs {first}-{first + 7}") + ")", markdown)
        _header(["bank"] + [c[0] for c in COLUMNS] + ["score"], widths, markdown)
        for key, res in results.items():
            rows = [(name, r) for name, r in res["programs"].items() if r["family"] == family]
            if not rows:
                continue
            scores = [score_of(_score(r, medians[key])) for _, r in rows]
            table.setdefault(family, {})[key] = statistics.mean(scores)
            cells = [key] + [_fmt(agg([r for _, r in rows]), spec, w) for _, w, spec, agg in COLUMNS]
            print(_line(cells + [f"{statistics.mean(scores):.0f}"], widths, markdown))
            for (name, r), score in zip(rows, scores) if programs else ():
                cells = [f"  {name}" + ("" if r["preset"] else " (fallback)")]
                cells += [_fmt(agg([r]) if head != "spread" else None, spec, w) for head, w, spec, agg in COLUMNS]
                print(_line(cells + [f"{score:.0f}"], widths, markdown))
    return table


def _summary(results: dict, families: list[str], table: dict[str, dict], markdown: bool) -> None:
    from orchestrion.engines.composer.soundfont import DEFAULT_SOUNDFONT

    keys = list(results)
    default = next((k for k, res in results.items() if Path(res["path"]) == DEFAULT_SOUNDFONT), None)
    _heading(f"summary: family score per bank, 0-100 (best marked *; style banks never; 'lead' is the best's margin "
             f"over the default, {default or 'not measured'}; a family is 'clear' at >= {CLEAR} points)", markdown)
    widths = [11] + [max(len(k), 6) + 2 for k in keys] + [20, 6, 7]
    _header(["family"] + keys + ["best", "lead", "clear"], widths, markdown)
    for family in families:
        row = table.get(family, {})
        eligible = {k: v for k, v in row.items() if k not in STYLE_BANKS}
        if eligible:
            best = max(eligible, key=eligible.get)
            lead = row[best] - row[default] if default in row else float("nan")
            cells = [f"{row[k]:.0f}{'*' if k == best else ' '}" if k in row else "-" for k in keys]
            clear = "-" if lead != lead else "yes" if lead >= CLEAR else "no"
            print(_line([family] + cells + [best, _fmt(lead, ".0f", 6), clear], widths, markdown))
    means = [statistics.mean(table[f][k] for f in table if k in table[f]) for k in keys]
    print(_line(["mean"] + [f"{m:.1f} " for m in means] + ["", "", ""], widths, markdown))


def _cost_tables(results: dict, markdown: bool) -> None:
    nan = float("nan")
    _heading("per bank: package, samples and cost (one pinned core)", markdown)
    widths = [19, 37, 8, 11, 7, 7, 8, 8, 8, 10, 7, 11, 9, 2]
    _header(["bank", "package", "inst MB", "variations", "<44.1k", "stereo", "load ms", "probe x", "setup s",
             "bare 30 s", "RSS MB", "same bytes", "load avg", "  licence"], widths, markdown, left=2)
    for key, res in results.items():
        cost = res.get("cost") or {}
        inst = res["installed_kib"] / 1024 if res.get("installed_kib") else nan
        found, wanted = res.get("variations", (0, 0))
        cells = [key, res["package"], _fmt(inst, ".0f", 8), f"{found}/{wanted}", f"{res['low_rate_share']:.0%}",
                 f"{res['stereo_share']:.0%}", _fmt(cost.get("load_s", nan) * 1e3, ".0f", 8),
                 _fmt(1 / res["probe_cpu_per_s"], ".0f", 8), _fmt(cost.get("setup_s", nan), ".2f", 8),
                 _fmt(cost.get("bare_s", nan), ".2f", 10), _fmt(cost.get("rss_mb", nan), ".0f", 7),
                 "-" if "bare_same" not in cost else "yes" if cost["bare_same"] else "NO",
                 _fmt(cost.get("loadavg", nan), ".1f", 9), "  " + LICENCES.get(key, "?")]
        print(_line(cells, widths, markdown, left=2))
    print("\nvariations: the catalogue's sounds outside bank 0 (GS variations) the file holds;\n<44.1k / stereo: "
          "share of the file's samples stored below 44.1 kHz / in stereo pairs; probe x: probe audio seconds per CPU "
          "second;\nbare 30 s: CPU s to render the fixed nine-track arrangement on a fresh synthesizer, of which "
          "setup s before the first note (sample loading);\nRSS: peak of the process that loaded the bank and "
          "rendered it; same bytes: repeated renders were bit-identical; load avg: the machine's 1-minute load "
          "while measuring (2 cores)")
    timed = {key: res["cost"] for key, res in results.items() if (res.get("cost") or {}).get("engine_s")}
    for key, res in results.items():
        if "engine_error" in (res.get("cost") or {}):
            print(f"{key}: engine not measured: {res['cost']['engine_error']}")
    if not timed:
        return
    durations = sorted({d for cost in timed.values() for d in cost["engine_s"]}, key=float)
    _heading("the whole composer engine per bank (CPU s per prompt, stems on, one pinned core)", markdown)
    widths = [19] + [22] * len(durations) + [8, 9]
    _header(["bank"] + [f"engine {float(d):.0f} s" for d in durations] + ["RSS MB", "load avg"], widths, markdown)
    for key, cost in timed.items():
        cells = [key] + ["/".join(f"{t:.2f}" for t in cost["engine_s"].get(d, [])) or "-" for d in durations]
        print(_line(cells + [f"{cost['engine_rss_mb']:.0f}", f"{cost['engine_loadavg']:.1f}"], widths, markdown))


# -- driver ------------------------------------------------------------------------------------------------------

def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def _child(args: argparse.Namespace) -> None:
    _pin()
    path = Path(args.child[1])
    if args.child[0] == "probe":
        result = run_probe(path, args.families, args.wav, args.child[2])
    elif args.child[0] == "engine":
        result = run_engine(path, args.engine)
    else:
        result = run_cost(path)
    print(json.dumps(result))


def _banks(names: list[str]) -> dict[str, tuple[str, Path]]:
    from orchestrion.engines.base import EngineUnavailable
    from orchestrion.engines.composer.soundfont import SOUNDFONT_NAMES, resolve_soundfont

    banks = {}
    for name in names:
        try:
            banks[name] = (SOUNDFONT_NAMES[name][0] if name in SOUNDFONT_NAMES else "-", resolve_soundfont(name))
        except EngineUnavailable as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
    return banks


def main() -> None:
    from orchestrion.engines.composer.soundfont import SOUNDFONT_NAMES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--banks", nargs="+", default=list(SOUNDFONT_NAMES),
                        help="short names of the composer's soundfont option, or .sf2/.sf3 paths")
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES, metavar="FAMILY")
    parser.add_argument("--programs", action="store_true", help="also print a row per program / kit")
    parser.add_argument("--no-cost", action="store_true", help="skip the load, render and engine measurements")
    parser.add_argument("--json", help="write the raw figures here")
    parser.add_argument("--from-json", help="print figures saved by --json instead of measuring")
    parser.add_argument("--engine", nargs="*", type=float, default=[30.0], metavar="SECONDS",
                        help="time the whole composer engine per bank on tracks this long (default 30; none: skip)")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument("--wav", help="write each bank's phrases per family here, to listen side by side")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text())
        fams = [f for f in args.families if any(r["family"] == f for res in results.values()
                                               for r in res["programs"].values())]
        report(results, fams, args.programs, args.markdown)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"load average {os.getloadavg()[0]:.2f}; each bank measured alone, pinned to one core")
    results = {}
    for key, (package, path) in _banks(args.banks).items():
        info = SoundFontFile(path)
        samples = info.samples
        gm = sum((0, p) in info.presets for p in range(128))
        if gm < 128:
            print(f"{key}: {path} holds {gm} of the 128 GM programs on bank 0", file=sys.stderr)
        started = time.perf_counter()
        cmd = [sys.executable, __file__, "--families", *args.families] + (["--wav", args.wav] if args.wav else [])
        probe = json.loads(subprocess.run(cmd + ["--child", "probe", str(path), key], check=True,
                                          capture_output=True, text=True).stdout.splitlines()[-1])
        cost = None
        if not args.no_cost:
            cost = json.loads(subprocess.run(cmd + ["--child", "cost", str(path), key], check=True,
                                             capture_output=True, text=True).stdout.splitlines()[-1])
        if args.engine and not args.no_cost:
            engine = cmd + ["--engine", *map(str, args.engine), "--child", "engine", str(path), key]
            cost = (cost or {}) | json.loads(subprocess.run(engine, check=True, capture_output=True,
                                                            text=True).stdout.splitlines()[-1])
        results[key] = {**probe, "cost": cost, "path": str(path), "package": package,
                        "installed_kib": _installed_kib(package),
                        "variations": [sum(v in info.presets for v in _variations()), len(_variations())],
                        "low_rate_share": sum(rate < 44_100 for rate, _ in samples) / max(len(samples), 1),
                        "stereo_share": sum((kind & 6) != 0 for _, kind in samples) / max(len(samples), 1)}
        print(f"{key}: {path} measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    report(results, args.families, args.programs, args.markdown)


if __name__ == "__main__":
    main()
