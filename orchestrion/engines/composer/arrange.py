"""Arrangement: who plays — the ensemble for a brief and seed, each part's register, and its place in the mix.

The style offers instruments per role; the seed picks among them (usually the first); instruments the prompt
names take the role they fit, the ones it forbids never play. "solo" keeps one instrument, "trio" drops the
extras, and a piece always keeps something sustained under its rests so it never falls silent. Each part gets a
register inside its instrument's real range, and pan, reverb and chorus by role.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .brief import Brief
from .instruments import INSTRUMENTS, Instrument
from .styles import Style

__all__ = ["Part", "choose_ensemble", "register_for"]

ROLES = ("melody", "counter", "doubling", "harmony", "pad", "arp", "bass", "percussion", "drums")
_ROLE_BY_FAMILY = {
    "keys": ("harmony", "melody", "arp"), "mallets": ("arp", "melody", "counter"), "organ": ("pad", "harmony"),
    "reed": ("melody", "counter", "pad"), "guitar": ("harmony", "melody", "arp"), "bass": ("bass",),
    "strings": ("pad", "melody", "counter", "harmony"), "percussion": ("percussion",), "voice": ("pad", "melody"),
    "brass": ("counter", "harmony", "melody"), "woodwind": ("melody", "counter", "doubling"),
    "synth": ("pad", "melody", "arp", "harmony"), "world": ("melody", "arp"), "drums": ("drums",),
    "harp": ("arp", "harmony", "melody"), "pizzicato": ("arp", "harmony"), "timpani": ("percussion",),
}
_PAD_FALLBACK = ("warm_pad", "strings", "organ", "halo_pad", "choir_pad", "slow_strings", "accordion")
_POLYPHONIC = frozenset({"keys", "mallets", "guitar", "organ"}) | {"harp"}

_MIX = {  # role: (pan, volume, reverb factor, chorus)
    "melody": (0.0, 0.85, 1.0, 0.0), "counter": (-0.35, 0.7, 1.1, 0.0), "doubling": (0.3, 0.5, 1.2, 0.0),
    "harmony": (0.3, 0.68, 1.0, 0.1), "pad": (-0.15, 0.6, 1.3, 0.3), "arp": (0.45, 0.55, 1.1, 0.1),
    "bass": (0.0, 0.85, 0.35, 0.0), "percussion": (-0.2, 0.8, 0.9, 0.0), "drums": (0.0, 0.85, 0.6, 0.0),
}


@dataclass(frozen=True)
class Part:
    role: str
    instrument: Instrument
    name: str  #: stem name, unique in the score
    low: int  #: register this part writes in
    high: int
    pan: float
    volume: float
    reverb: float
    chorus: float


def register_for(role: str, inst: Instrument) -> tuple[int, int]:
    """The part's working register: a comfortable slice of the instrument's range for its role."""
    wanted = {
        "melody": (62, 86), "counter": (55, 76), "doubling": (67, 91), "harmony": (52, 74), "pad": (48, 72),
        "arp": (60, 86), "bass": (31, 50), "percussion": (40, 57), "drums": (27, 87),
    }[role]
    low, high = max(wanted[0], inst.low), min(wanted[1], inst.high)
    if high - low < 12:  # the instrument lives elsewhere: take an octave and a half of its own range
        centre = (inst.low + inst.high) // 2 if role != "bass" else inst.low + 9
        low, high = max(inst.low, centre - 9), min(inst.high, centre + 9)
    return low, high


def choose_ensemble(brief: Brief, style: Style, rng: random.Random) -> list[Part]:
    avoid = brief.avoid
    chosen: dict[str, str] = {}
    for role in ROLES:
        options = [i for i in style.ensemble.get(role, ()) if i not in avoid]
        if not options:
            continue
        asked = [i for i in options if i in brief.instruments and i not in chosen.values()]
        if asked:
            chosen[role] = asked[0]
            continue
        chosen[role] = options[0] if rng.random() < 0.65 or len(options) == 1 else rng.choice(options[1:])

    for inst_id in brief.instruments:  # the prompt's instruments take the role that suits them
        if inst_id in chosen.values():
            continue
        inst = INSTRUMENTS[inst_id]
        roles = [r for r in ROLES if inst_id in style.ensemble.get(r, ())]
        roles += [r for r in _ROLE_BY_FAMILY.get(inst_id, _ROLE_BY_FAMILY.get(inst.family, ("melody",)))
                  if r not in roles]
        free = [r for r in roles if chosen.get(r) not in brief.instruments]
        role = free[0] if free else roles[0]
        chosen[role] = inst_id

    if "solo" in brief.hints and brief.instruments:
        lead = INSTRUMENTS[brief.instruments[0]]
        chosen = {"melody": lead.id}
        if lead.family in _POLYPHONIC or lead.id in _POLYPHONIC:
            chosen["harmony"] = lead.id
        else:
            chosen["pad"] = next(i for i in _PAD_FALLBACK if i not in avoid and i != lead.id)
    elif "small" in brief.hints:
        for role in ("pad", "counter", "arp", "doubling"):
            chosen.pop(role, None)

    if not brief.drums:
        chosen.pop("drums", None)
    elif "drums" not in chosen:
        chosen["drums"] = style.kit if style.kit not in avoid else "drum_kit"
    if not brief.bass:
        chosen.pop("bass", None)
    if "melody" not in chosen:
        for role in ("counter", "harmony", "pad", "arp"):
            if role in chosen and not INSTRUMENTS[chosen[role]].is_drums:
                chosen["melody"] = chosen[role]
                break
        else:
            chosen["melody"] = next(i for i in ("flute", "piano", "strings", "warm_pad") if i not in avoid)
    sustained = any(INSTRUMENTS[chosen[r]].sustained for r in ("pad", "harmony") if r in chosen)
    if not sustained and "harmony" not in chosen and "solo" not in brief.hints:
        pad = next((i for i in _PAD_FALLBACK if i not in avoid), None)
        if pad is not None:
            chosen["pad"] = pad

    parts: list[Part] = []
    used: set[str] = set()
    hall = "hall" in brief.production
    dry = "dry" in brief.production
    for role in ROLES:
        if role not in chosen:
            continue
        inst = INSTRUMENTS[chosen[role]]
        name = inst.id if inst.id not in used else f"{inst.id}_{role}"
        used.add(name)
        pan, volume, reverb_factor, chorus = _MIX[role]
        reverb = style.reverb * reverb_factor + (0.15 if hall else 0.0)
        if dry:
            reverb *= 0.5
        if inst.family in ("synth", "guitar") or inst.id in ("rhodes", "fm_piano"):
            chorus = max(chorus, 0.25)
        low, high = register_for(role, inst)
        parts.append(Part(role, inst, name, low, high, pan, volume, min(reverb, 1.0), chorus))
    return parts
