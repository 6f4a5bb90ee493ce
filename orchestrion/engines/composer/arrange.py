"""Arrangement: who plays — the ensemble for a brief and seed, each part's register, and its place in the mix.

The style offers instruments per role; the seed picks among them (usually the first). Every instrument the prompt
names gets a part of its own (up to eight): the role the style gives it, else the roles it suits best
(:attr:`.instruments.Instrument.roles`), replacing the style's own choice there — or, when a named instrument
already holds that role, a second part of it (a second counter-line, a second arpeggio). A featured instrument
("featuring", "prominent", "solo", "led by") carries the melody. Hand percussion a prompt names (congas, palmas)
or a style calls for plays on its own drum-channel part; sound effects (seashore, birds) get a part of their own.
"solo" keeps one instrument, "trio"/"sparse" drop the extras, instruments the prompt forbids never play, and a
piece always keeps something sustained under its rests. Each part gets a register inside its instrument's real
range, and pan, reverb and chorus by role.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .brief import Brief
from .instruments import INSTRUMENTS, PERCUSSION, Instrument
from .styles import Style

__all__ = ["Part", "ROLES", "ROLE_VOLUME", "choose_ensemble", "register_for"]

ROLES = ("melody", "counter", "doubling", "harmony", "pad", "arp", "bass", "percussion", "fx", "hand", "drums")
#: Roles that may hold more than one part (a named instrument joins rather than replaces a named one).
_SHARED = frozenset({"counter", "harmony", "pad", "arp", "percussion", "fx", "doubling"})
_PAD_FALLBACK = ("warm_pad", "strings", "organ", "halo_pad", "choir_pad", "slow_strings", "accordion")
_POLYPHONIC = frozenset({"keys", "mallets", "guitar", "organ", "harp"})

_MIX = {  # role: (pan, volume, reverb factor, chorus)
    "melody": (0.0, 0.85, 0.8, 0.0), "counter": (-0.35, 0.72, 1.0, 0.0), "doubling": (0.3, 0.55, 1.1, 0.0),
    "harmony": (0.3, 0.68, 1.0, 0.1), "pad": (-0.15, 0.6, 1.3, 0.3), "arp": (0.45, 0.58, 1.1, 0.1),
    "bass": (0.0, 0.85, 0.3, 0.0), "percussion": (-0.2, 0.8, 0.9, 0.0), "fx": (0.25, 0.6, 1.2, 0.0),
    "hand": (0.35, 0.72, 0.6, 0.0), "drums": (0.0, 0.85, 0.5, 0.0),
}
#: The volume (CC7) each role gets by habit; the mix reads a part's volume against it as a fader move of its own.
ROLE_VOLUME = {role: mix[1] for role, mix in _MIX.items()}
_REGISTER = {
    "melody": (62, 86), "counter": (55, 76), "doubling": (67, 91), "harmony": (52, 74), "pad": (48, 72),
    "arp": (60, 86), "bass": (31, 50), "percussion": (40, 57), "fx": (48, 84), "hand": (27, 87), "drums": (27, 87),
}


@dataclass(frozen=True)
class Part:
    role: str
    instrument: Instrument  #: for "hand" parts, the drum kit that sounds the voice
    name: str  #: stem name, unique in the score
    low: int  #: register this part writes in
    high: int
    pan: float
    volume: float
    reverb: float
    chorus: float
    index: int = 0  #: the n-th part of its role (a second counter-line writes its own line)
    named: bool = False  #: the prompt named this instrument
    featured: bool = False  #: the prompt featured it
    voice: str = ""  #: for "hand" parts: the hand-percussion voice (:data:`.instruments.PERCUSSION`)


def register_for(role: str, inst: Instrument, melody_register: tuple[int, int] | None = None) -> tuple[int, int]:
    """The part's working register: a comfortable slice of the instrument's range for its role."""
    wanted = melody_register if role == "melody" and melody_register else _REGISTER[role]
    low, high = max(wanted[0], inst.low), min(wanted[1], inst.high)
    if high - low < 12:  # the instrument lives elsewhere: take an octave and a half of its own range
        centre = (inst.low + inst.high) // 2 if role != "bass" else inst.low + 9
        low, high = max(inst.low, centre - 9), min(inst.high, centre + 9)
    return low, high


@dataclass
class _Slot:
    role: str
    inst: str
    named: bool = False
    featured: bool = False
    voice: str = ""


def _style_slots(brief: Brief, style: Style, rng: random.Random) -> list[_Slot]:
    slots = []
    for role in ROLES:
        options = [i for i in style.ensemble.get(role, ()) if i not in brief.avoid and i in INSTRUMENTS]
        if not options:
            continue
        asked = [i for i in options if i in brief.instruments and all(s.inst != i for s in slots)]
        pick = asked[0] if asked else options[0] if rng.random() < 0.65 or len(options) == 1 else rng.choice(options[1:])
        slots.append(_Slot(role, pick))
    return slots


def _roles_for(inst_id: str, style: Style) -> list[str]:
    inst = INSTRUMENTS[inst_id]
    roles = [r for r in ROLES if inst_id in style.ensemble.get(r, ())]
    roles += [r for r in inst.roles if r in ROLES and r not in roles]
    if not roles:
        roles = ["drums"] if inst.is_drums else ["melody", "counter"]
    return roles


def _place_named(slots: list[_Slot], brief: Brief, style: Style) -> list[_Slot]:
    named = [i for i in brief.instruments if i in INSTRUMENTS]
    lead = next((i for i in brief.featured if i in INSTRUMENTS and not INSTRUMENTS[i].is_drums
                 and not INSTRUMENTS[i].percussive and "fx" not in INSTRUMENTS[i].roles), None)
    for inst_id in ([lead] if lead else []) + [i for i in named if i != lead]:
        featured = inst_id in brief.featured
        existing = next((s for s in slots if s.inst == inst_id), None)
        if existing is not None and not (inst_id == lead and existing.role != "melody"):
            existing.named, existing.featured = True, featured
            continue
        if existing is not None:
            slots.remove(existing)
        roles = ["melody"] if inst_id == lead else _roles_for(inst_id, style)
        for role in roles:
            holder = next((s for s in slots if s.role == role), None)
            if holder is None or not holder.named:
                if holder is not None:
                    slots.remove(holder)
                slots.append(_Slot(role, inst_id, True, featured))
                break
        else:
            role = next((r for r in roles if r in _SHARED), "counter")
            slots.append(_Slot(role, inst_id, True, featured))
    return slots


def _thin(slots: list[_Slot], brief: Brief, style: Style) -> list[_Slot]:
    if "solo" in brief.hints and (brief.featured or brief.instruments):
        lead_id = next((i for i in brief.featured + brief.instruments if i in INSTRUMENTS
                        and not INSTRUMENTS[i].is_drums), None)
        if lead_id is not None:
            lead = INSTRUMENTS[lead_id]
            kept = [_Slot("melody", lead_id, True, True)]
            if lead.family in _POLYPHONIC or lead.id in _POLYPHONIC:
                kept.append(_Slot("harmony", lead_id, True, False))
            else:
                pad = next((i for i in _PAD_FALLBACK if i not in brief.avoid and i != lead_id), None)
                if pad:
                    kept.append(_Slot("pad", pad))
            return kept
    named = [s for s in slots if s.named and not INSTRUMENTS[s.inst].is_drums]
    if "duet" in brief.hints and len(named) >= 2:  # a duet is its two (or more) named players and no band
        return named
    if "small" in brief.hints:
        slots = [s for s in slots if s.named or s.role not in ("pad", "counter", "arp", "doubling", "percussion")]
    return slots


def _complete(slots: list[_Slot], brief: Brief, style: Style) -> list[_Slot]:
    roles = {s.role for s in slots}
    if not brief.drums:
        slots = [s for s in slots if s.role != "drums"]
    elif "drums" not in roles:
        kit = style.kit if style.kit not in brief.avoid else "drum_kit"
        if kit not in brief.avoid:
            slots.append(_Slot("drums", kit))
    if not brief.bass:
        slots = [s for s in slots if s.role != "bass" or s.named]
    roles = {s.role for s in slots}
    if "melody" not in roles:
        donor = next((s for r in ("counter", "harmony", "arp", "pad") for s in slots if s.role == r
                      and not INSTRUMENTS[s.inst].is_drums), None)
        fallback = next((i for i in ("flute", "piano", "strings", "warm_pad") if i not in brief.avoid), "warm_pad")
        slots.append(_Slot("melody", donor.inst if donor else fallback, donor.named if donor else False))
    if style.form == "build_drop" and brief.drums and "reverse_cymbal" not in brief.avoid \
            and not any(s.role == "fx" for s in slots):
        slots.append(_Slot("fx", "reverse_cymbal"))  # the riser into each drop
    sustained = any(INSTRUMENTS[s.inst].sustained for s in slots if s.role in ("pad", "harmony"))
    if not sustained and not any(s.role == "harmony" for s in slots) and "solo" not in brief.hints:
        pad = next((i for i in _PAD_FALLBACK if i not in brief.avoid), None)
        if pad is not None:
            slots.append(_Slot("pad", pad))
    return slots


def _hand(slots: list[_Slot], brief: Brief, style: Style) -> list[_Slot]:
    voices = [v for v in brief.instruments if v in PERCUSSION]
    if brief.drums:
        voices += [v for v in style.hand if v not in voices and v not in brief.avoid]
    return slots + [_Slot("hand", v, v in brief.instruments, v in brief.featured, voice=v) for v in voices[:4]]


def _listed(brief: Brief, style: Style) -> list[_Slot]:
    """The ensemble a request listed (:attr:`.brief.Brief.ensemble`), exactly: each instrument in the role the
    request gave it (a kit always plays drums, hand percussion its drum-channel part), else the first role it suits (its own best roles first, then the style's use of it) that no
    listed instrument holds yet (a shared role when all are held); hand percussion on its drum-channel part. Then,
    with the listed instruments only: when none holds the melody, the first pitched one that suits it plays the
    tune as well; when none holds a harmony or pad part, the first that suits one plays the chords as well. Nothing
    else is added: no drums, bass or pad the list does not name."""
    slots: list[_Slot] = []
    taken: set[str] = set()

    def given(inst_id: str, role: str) -> str:
        """The role the request gave, where the instrument can take it: a kit always plays drums, a pitched
        instrument no drum-channel role."""
        if inst_id not in INSTRUMENTS:
            return ""
        if INSTRUMENTS[inst_id].is_drums:
            return "drums"
        return "" if role in ("drums", "hand") else role

    for inst_id, role in brief.ensemble:  # the roles the request gave first, so the others make way
        if given(inst_id, role):
            slots.append(_Slot(given(inst_id, role), inst_id, True, given(inst_id, role) == "melody"))
            taken.add(given(inst_id, role))

    def suits(inst_id: str) -> list[str]:
        own = [r for r in INSTRUMENTS[inst_id].roles if r in ROLES]
        return own + [r for r in _roles_for(inst_id, style) if r not in own]

    for inst_id, role in brief.ensemble:
        if given(inst_id, role):
            continue
        if inst_id in PERCUSSION:
            slots.append(_Slot("hand", inst_id, True, False, voice=inst_id))
            continue
        roles = suits(inst_id)
        chosen = next((r for r in roles if r not in taken), None)
        if chosen is None:
            chosen = next((r for r in roles if r in _SHARED), roles[0])
        taken.add(chosen)
        slots.append(_Slot(chosen, inst_id, True, False))
    pitched = list(dict.fromkeys(s.inst for s in slots if not s.voice and not INSTRUMENTS[s.inst].is_drums
                                 and s.role != "fx"))
    if pitched and "melody" not in taken:
        singer = next((i for i in pitched if "melody" in suits(i) and "bass" not in INSTRUMENTS[i].roles[:1]),
                      pitched[0])
        slots.append(_Slot("melody", singer, True, True))
    if pitched and not {"harmony", "pad"} & taken:
        comp = next((i for i in pitched if {"harmony", "pad"} & set(INSTRUMENTS[i].roles)), None)
        if comp is not None:
            role = "harmony" if "harmony" in INSTRUMENTS[comp].roles else "pad"
            slots.append(_Slot(role, comp, True, False))
    return slots


def choose_ensemble(brief: Brief, style: Style, rng: random.Random) -> list[Part]:
    if brief.ensemble:
        slots = _listed(brief, style)
    else:
        slots = _style_slots(brief, style, rng)
        slots = _place_named(slots, brief, style)
        slots = _thin(slots, brief, style)
        if not ("duet" in brief.hints and all(s.named for s in slots)):  # a duet stays two players
            slots = _complete(slots, brief, style)
            slots = _hand(slots, brief, style)
        slots = [s for s in slots if s.voice or s.inst not in brief.avoid]

    parts: list[Part] = []
    used: set[str] = set()
    counts: dict[str, int] = {}
    hall, dry = "hall" in brief.production, "dry" in brief.production
    kit = next((s.inst for s in slots if s.role == "drums"), style.kit if style.kit in INSTRUMENTS else "drum_kit")
    if brief.ensemble and not INSTRUMENTS[kit].is_drums:
        kit = "drum_kit"
    for slot in sorted(slots, key=lambda s: ROLES.index(s.role)):
        inst = INSTRUMENTS[kit] if slot.role == "hand" else INSTRUMENTS[slot.inst]
        index = counts.get(slot.role, 0)
        counts[slot.role] = index + 1
        base = slot.voice or inst.id
        name = next(n for n in (base, f"{base}_{slot.role}", *(f"{base}_{slot.role}_{k}" for k in range(2, 99)))
                    if n not in used)
        used.add(name)
        pan, volume, reverb_factor, chorus = _MIX[slot.role]
        if index:  # a second part of a role sits on the other side
            pan = -pan if pan else 0.3 * (1 if index % 2 else -1)
        if slot.named or slot.featured:
            volume = max(volume, 0.8)
        reverb = style.reverb * reverb_factor + (0.15 if hall else 0.0)
        if dry:
            reverb *= 0.5
        if inst.family in ("synth", "guitar") or inst.id in ("rhodes", "fm_piano"):
            chorus = max(chorus, 0.2 if slot.role not in ("melody", "bass") else 0.0)
        low, high = register_for(slot.role, inst, style.melody_register)
        parts.append(Part(slot.role, inst, name, low, high, pan, volume, min(reverb, 1.0), chorus, index,
                          slot.named, slot.featured, slot.voice))
    return parts
