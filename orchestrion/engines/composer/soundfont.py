"""FluidSynth at the seam: which SoundFont to load, one synthesizer per job, float audio out.

The composer renders with pyfluidsynth over Debian's ``libfluidsynth3``. pyfluidsynth only exposes 16-bit output,
whose dither makes the same events produce different bytes from one call to the next, so this module binds the
library's float outputs (``fluid_synth_write_float``, and ``fluid_synth_process`` for a dry output per channel
plus the effect returns) and the few calls pyfluidsynth lacks through the library handle pyfluidsynth has already
opened. Every FluidSynth failure is translated here into the engine's errors: a missing library or SoundFont is
:class:`~orchestrion.engines.base.EngineUnavailable`.

Samples load on demand (FluidSynth's dynamic sample loading): a job pays only for the instruments it plays
(~10-40 MB) instead of the whole ~150 MB font, and a worker holds none between jobs (it keeps at most two copies
of the file as read, ~18 MB each, to lend to the next job's synthesizers).

General MIDI fonts differ widely in how loud their patches are (a harp sits 15-20 dB under a saw lead at the same
velocity), so :meth:`SoundFont.levels` measures how loud a patch plays each key (:mod:`.calibrate`), once per
worker, for the mix to balance parts by what they sound like rather than by what their controllers say.
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from ..base import EngineUnavailable
from .calibrate import LEVEL_BATCH, LEVEL_VELOCITIES, Patch, PatchLevel, measure_effect_gains, measure_levels
from .sf2 import GEN_CHORUS_SEND, GEN_RELEASE, GEN_REVERB_SEND, SAMPLE_RATE  # noqa: F401  (SAMPLE_RATE: re-exported)

__all__ = [
    "DEFAULT_SOUNDFONT",
    "SAMPLE_RATE",
    "SOUNDFONT_NAMES",
    "SoundFont",
    "Synth",
    "resolve_soundfont",
]

DEFAULT_SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
#: Short names accepted for the engine option ``soundfont``, each with the Debian package that ships it and the
#: file's paths. One name, one set of samples: Debian's ``MuseScore_General.sf3`` and ``default-GM.sf2`` are
#: update-alternatives links that point at whichever bank has the highest priority (the lossless MuseScore sf2,
#: the lossy sf3, its Lite cut or FluidR3Mono), so a name never resolves through them. Measured side by side in
#: docs/soundfonts.md (``bench/soundfonts.py``).
_SF2, _SF3 = Path("/usr/share/sounds/sf2"), Path("/usr/share/sounds/sf3")
SOUNDFONT_NAMES: dict[str, tuple[str, tuple[Path, ...]]] = {
    "fluidr3": ("fluid-soundfont-gm", (DEFAULT_SOUNDFONT,)),
    "musescore": ("musescore-general-soundfont", (_SF3 / "MuseScore_General_Full.sf3",)),
    "musescore-lite": ("musescore-general-soundfont-small", (_SF3 / "MuseScore_General_Lite.sf3",)),
    "musescore-lossless": ("musescore-general-soundfont-lossless", (_SF2 / "MuseScore_General_Full.sf2",)),
    "fluidr3mono": ("fluidr3mono-gm-soundfont", (_SF3 / "FluidR3Mono_GM.sf3",)),
    "timgm6mb": ("timgm6mb-soundfont", (_SF2 / "TimGM6mb.sf2",)),
    "sf-gmbank": ("csound-soundfont", (_SF2 / "sf_GMbank.sf2", Path("/usr/share/samples/sf_GMbank.sf2"))),
    "opl3": ("opl3-soundfont", (_SF2 / "OPL-3_FM_128M.sf2",)),
}

#: FluidSynth's warning log level, silenced (under _QUIET, one thread at a time) where a warning says nothing.
_FLUID_WARN = 2
_QUIET = threading.Lock()
_CHANNEL_TYPE_MELODIC = 0
_CHANNEL_TYPE_DRUM = 1
#: Frames per ``write_float`` call while no event is due; large blocks keep Python out of the inner loop.
_MAX_BLOCK = 1 << 15
_POLYPHONY = 512
#: Parsed copies of the SoundFont kept idle between synthesizers (~18 MB each with FluidR3): a job's two passes.
_IDLE_FONTS = 2
#: Most voices one note starts that :meth:`Synth.note_voices_of` lists (layers times stereo pairs).
_VOICES_PER_NOTE = 32


def resolve_soundfont(option: str | os.PathLike[str] | None) -> Path:
    """The SoundFont file for the engine option ``soundfont``: a path, a short name, or ``None`` (the default)."""
    if option is None or str(option).strip() == "":
        candidates: tuple[Path, ...] = (DEFAULT_SOUNDFONT,)
        package = SOUNDFONT_NAMES["fluidr3"][0]
    elif str(option).lower() in SOUNDFONT_NAMES:
        package, candidates = SOUNDFONT_NAMES[str(option).lower()]
    else:
        path = Path(option).expanduser()
        if path.is_file():
            return path
        raise EngineUnavailable(
            f"SoundFont {str(path)!r} not found; set the composer's soundfont option to an existing .sf2/.sf3 "
            f"file or one of: {', '.join(sorted(SOUNDFONT_NAMES))}"
        )
    for path in candidates:
        if path.is_file():
            return path
    raise EngineUnavailable(
        f"SoundFont not found at {', '.join(map(str, candidates))}; install it with `apt-get install {package}`"
    )


def _bind() -> Any:
    """pyfluidsynth's library handle with prototypes for the calls it does not wrap."""
    try:
        import fluidsynth
    except ImportError as exc:  # pyfluidsynth missing, or libfluidsynth not installed
        raise EngineUnavailable(
            f"FluidSynth is unavailable ({exc}); install `pyfluidsynth` and Debian's `libfluidsynth3`"
        ) from exc
    lib = fluidsynth._fl
    vp, i = ctypes.c_void_p, ctypes.c_int
    protos = {
        "fluid_synth_write_float": (i, [vp, i, vp, i, i, vp, i, i]),
        # fx and out are arrays of float pointers, passed as the address of a uint64 array
        "fluid_synth_process": (i, [vp, i, i, vp, i, vp]),
        "fluid_synth_set_channel_type": (i, [vp, i, i]),
        "fluid_synth_reverb_on": (i, [vp, i, i]),
        "fluid_synth_chorus_on": (i, [vp, i, i]),
        "fluid_synth_set_reverb_group_roomsize": (i, [vp, i, ctypes.c_double]),
        "fluid_synth_set_reverb_group_damp": (i, [vp, i, ctypes.c_double]),
        "fluid_synth_set_reverb_group_width": (i, [vp, i, ctypes.c_double]),
        "fluid_synth_set_reverb_group_level": (i, [vp, i, ctypes.c_double]),
        "fluid_synth_get_active_voice_count": (i, [vp]),
        "fluid_synth_noteon": (i, [vp, i, i, i]),
        "fluid_synth_set_gen": (i, [vp, i, i, ctypes.c_float]),
        "fluid_synth_pitch_bend": (i, [vp, i, i]),
        "fluid_synth_noteoff": (i, [vp, i, i]),
        "fluid_synth_cc": (i, [vp, i, i, i]),
        "fluid_synth_program_select": (i, [vp, i, i, i, i]),
        "fluid_synth_system_reset": (i, [vp]),
        "fluid_synth_all_sounds_off": (i, [vp, i]),
        "fluid_synth_get_voicelist": (None, [vp, vp, i, i]),
        "fluid_voice_gen_get": (ctypes.c_float, [vp, i]),
        "fluid_voice_get_channel": (i, [vp]),
        "fluid_voice_get_id": (ctypes.c_uint, [vp]),
        "fluid_voice_get_key": (i, [vp]),
        "fluid_voice_is_playing": (i, [vp]),
        "fluid_voice_gen_set": (None, [vp, i, ctypes.c_float]),
        "fluid_voice_update_param": (None, [vp, i]),
        "fluid_synth_sfload": (i, [vp, ctypes.c_char_p, i]),
        "fluid_synth_get_sfont_by_id": (vp, [vp, i]),
        "fluid_synth_add_sfont": (i, [vp, vp]),
        "fluid_synth_remove_sfont": (i, [vp, vp]),
        "fluid_set_log_function": (vp, [i, vp, vp]),
        "new_fluid_settings": (vp, []),
        "new_fluid_synth": (vp, [vp]),
        "delete_fluid_synth": (None, [vp]),
        "delete_fluid_settings": (None, [vp]),
        "fluid_settings_setnum": (i, [vp, ctypes.c_char_p, ctypes.c_double]),
        "fluid_settings_setint": (i, [vp, ctypes.c_char_p, i]),
        "fluid_settings_setstr": (i, [vp, ctypes.c_char_p, ctypes.c_char_p]),
    }
    for name, (restype, argtypes) in protos.items():
        fn = getattr(lib, name, None)
        if fn is None:
            raise EngineUnavailable(f"libfluidsynth lacks {name}; FluidSynth 2.2 or newer is required")
        fn.restype, fn.argtypes = restype, argtypes
    return lib


class SoundFont:
    """A SoundFont checked once per worker; :meth:`synth` hands out fresh synthesizers over it.

    Each job renders on a fresh synthesizer because a reused one is not bit-identical: FluidSynth keeps per-voice
    state across ``fluid_synth_system_reset`` (a new note's first block ramps from the gains of whatever voice
    last used its slot), so a note's bytes would depend on what the worker played before. What is kept is the
    file as read (presets, zones, sample headers: :meth:`synth` lends it) with the samples of the programs FluidSynth
    selects on reading it (a piano and a drum kit), not the rest: they load on demand when a program is selected,
    ~1 ms per instrument, and go when the job's synthesizer does.
    """

    def __init__(self, soundfont: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_soundfont(soundfont)
        self._fonts: list[Synth] = []  # idle holders of a parsed copy of the file, each lent to one synth at a time
        self._lock = threading.Lock()
        self._fonts.append(Synth(self.path))  # a broken file fails the worker's load, not its first job
        self._open = True
        self._levels: dict[Patch, PatchLevel] = {}
        self._effects: dict[tuple, tuple[float, float]] = {}

    def synth(self, *, channels: int = 16, groups: int = 1) -> "Synth":
        """A fresh synthesizer over this SoundFont (close it, or use it as a context manager).

        Reading the file's ~190 presets and their zones costs FluidSynth ~70 ms, so the parsed SoundFont is kept:
        each is held by an idle synthesizer of its own and lent to one fresh synthesizer at a time (FluidSynth counts
        the voices using a sample without a lock, so two synthesizers never share one); a job's two render passes
        borrow two. The synthesizer is fresh all the same: no voice, controller or effect state carries over.
        """
        if not self._open:
            raise EngineUnavailable("the SoundFont has been closed")
        with self._lock:
            holder = self._fonts.pop() if self._fonts else None
        if holder is None:
            holder = Synth(self.path)
        try:
            return Synth(self.path, channels=channels, groups=groups, lent=(holder, self._give_back))
        except BaseException:
            self._give_back(holder)
            raise

    def _give_back(self, holder: "Synth") -> None:
        with self._lock:
            if self._open and len(self._fonts) < _IDLE_FONTS:
                self._fonts.append(holder)
                return
        holder.close()

    def levels(self, patches: Iterable[Patch]) -> dict[Patch, PatchLevel]:
        """How loud, and how wide, each (bank, program, drums, key) plays: one note at velocity
        :data:`.calibrate.LEVEL_VELOCITY` (and, for its loudness, at each of :data:`.calibrate.LEVEL_VELOCITIES`),
        full volume and expression, centred and without effects (:class:`.calibrate.PatchLevel`).

        Measured once per worker and kept: every note plays on its own channel and audio group of a fresh
        synthesizer, so a measurement does not depend on what was measured beside it or before it.
        """
        wanted = sorted(set(patches))
        missing = [p for p in wanted if p not in self._levels]
        step = LEVEL_BATCH // len(LEVEL_VELOCITIES)
        for first in range(0, len(missing), step):
            self._levels.update(measure_levels(self, missing[first : first + step]))
        return {p: self._levels[p] for p in wanted}

    def effect_gains(self, room: tuple[float, float, float, float], chorus_side: float) -> tuple[float, float]:
        """Energy the reverb return (``room``: size, damping, width, level) and the chorus return (its side scaled
        by ``chorus_side``) add for a send of 1, over the dry signal's: a send ``s`` adds about ``s² × gain`` to a
        track's level. Measured once per worker and kept."""
        key = (room, chorus_side)
        if key not in self._effects:
            self._effects[key] = measure_effect_gains(self, room, chorus_side)
        return self._effects[key]

    def close(self) -> None:
        with self._lock:
            self._open = False
            fonts, self._fonts = self._fonts, []
        for holder in fonts:
            holder.close()
        self._levels.clear()
        self._effects.clear()


class Synth:
    """One FluidSynth instance with one SoundFont loaded, rendering float32 at 48 kHz on the caller's thread.

    Not thread-safe. ``channels`` MIDI channels (rounded up to a multiple of 16) each play into audio group
    ``channel % groups``; :meth:`process` hands out each group's dry stereo signal and the shared reverb and
    chorus returns separately, :meth:`write` their stereo sum. Channel 9 starts as the General MIDI drum channel;
    :meth:`set_drums` makes any channel a drum channel.
    """

    #: Most audio groups (dry stereo outputs) FluidSynth offers.
    MAX_GROUPS = 128
    MAX_CHANNELS = 256

    def __init__(self, path: Path, *, gain: float = 0.5, channels: int = 16, groups: int = 1,
                 lent: tuple["Synth", Callable[["Synth"], None]] | None = None) -> None:
        """``lent``: a synthesizer holding ``path`` already read, whose SoundFont this one plays instead of reading
        the file again, and what to call with it once this one is closed (:meth:`SoundFont.synth`)."""
        if not 1 <= groups <= self.MAX_GROUPS:
            raise ValueError(f"groups must be 1-{self.MAX_GROUPS}, got {groups}")
        if not 1 <= channels <= self.MAX_CHANNELS:
            raise ValueError(f"channels must be 1-{self.MAX_CHANNELS}, got {channels}")
        self.path = path
        self.channels = -(-channels // 16) * 16
        self.groups = groups
        self._lib = _bind()
        lib = self._lib
        self._settings = lib.new_fluid_settings()
        num = {"synth.sample-rate": float(SAMPLE_RATE), "synth.gain": float(gain)}
        ints = {
            "synth.midi-channels": self.channels,
            "synth.audio-groups": groups,
            "synth.audio-channels": groups,
            # One reverb and one chorus for the whole piece: a unit per stem would cost as much as the voices.
            "synth.effects-groups": 1,
            "synth.polyphony": _POLYPHONY,
            # Render on the calling thread: extra FluidSynth threads would fight the other workers for cores.
            "synth.cpu-cores": 1,
            "synth.reverb.active": 1,
            "synth.chorus.active": 1,
            "synth.dynamic-sample-loading": 1,
            "synth.lock-memory": 0,
        }
        for key, value in num.items():
            lib.fluid_settings_setnum(self._settings, key.encode(), value)
        for key, ivalue in ints.items():
            lib.fluid_settings_setint(self._settings, key.encode(), ivalue)
        self._synth = lib.new_fluid_synth(self._settings)
        if not self._synth:
            lib.delete_fluid_settings(self._settings)
            self._settings = None
            raise EngineUnavailable("FluidSynth could not create a synthesizer")
        self._font: int | None = None
        self._lent: tuple[Synth, Callable[[Synth], None]] | None = None  # set once this synth is whole
        if lent is None:
            self.sfont_id = lib.fluid_synth_sfload(self._synth, str(path).encode(), 1)
        else:
            font = lib.fluid_synth_get_sfont_by_id(lent[0]._synth, lent[0].sfont_id)
            self.sfont_id = lib.fluid_synth_add_sfont(self._synth, font) if font else -1
            if self.sfont_id >= 0:
                self._font = font
        if self.sfont_id < 0:
            self.close()
            raise EngineUnavailable(f"FluidSynth could not load the SoundFont {str(path)!r}")
        try:
            self._start()
        except BaseException:  # the lent SoundFont leaves with this synth, before the caller hands it back
            self.close()
            raise
        self._lent = lent  # from here on, closing hands the SoundFont back (before, the caller does)

    def _start(self) -> None:
        self._drums = {c for c in range(self.channels) if c % 16 == 9}
        # FluidSynth numbers note-ons in the order they come (every voice a note starts carries its number): the
        # note-ons made here, and once a probe has seen a number, what to add to the count to get it
        self._notes = 0
        self._first_id: int | None = None
        self._seen_id: int | None = None  # the newest number a probe has seen
        self._voice_buffer = (ctypes.c_void_p * _VOICES_PER_NOTE)()
        self.reset()

    def __enter__(self) -> "Synth":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state -----------------------------------------------------------------------------------------------

    def reset(
        self, *, reverb: tuple[float, float, float, float] = (0.6, 0.3, 0.8, 0.9), chorus: bool = True
    ) -> None:
        """Silence every voice, clear the effect tails and restore default controllers and programs.

        ``reverb`` is (room size, damping, width, level) for the whole next render; ``chorus`` enables the chorus
        unit (it costs as much CPU as the reverb, so a piece without chorus sends turns it off).
        """
        lib = self._lib
        lib.fluid_synth_system_reset(self._synth)
        for chan in range(self.channels):
            lib.fluid_synth_set_channel_type(
                self._synth, chan, _CHANNEL_TYPE_DRUM if chan in self._drums else _CHANNEL_TYPE_MELODIC
            )
        room, damp, width, level = reverb
        lib.fluid_synth_set_reverb_group_roomsize(self._synth, -1, room)
        lib.fluid_synth_set_reverb_group_damp(self._synth, -1, damp)
        lib.fluid_synth_set_reverb_group_width(self._synth, -1, width)
        lib.fluid_synth_set_reverb_group_level(self._synth, -1, level)
        lib.fluid_synth_reverb_on(self._synth, -1, 1 if level > 0 else 0)
        lib.fluid_synth_chorus_on(self._synth, -1, 1 if chorus else 0)

    def set_drums(self, channel: int, drums: bool) -> None:
        """Make ``channel`` a drum channel (bank 128 kits) or a melodic one; :meth:`reset` keeps the choice."""
        if drums:
            self._drums.add(channel)
        else:
            self._drums.discard(channel)
        self._lib.fluid_synth_set_channel_type(
            self._synth, channel, _CHANNEL_TYPE_DRUM if drums else _CHANNEL_TYPE_MELODIC
        )

    def program(self, channel: int, bank: int, program: int) -> None:
        """Select ``bank:program``, falling back to bank 0 (GM; 128 on drum channels) and then its first patch."""
        lib = self._lib
        home = 128 if channel in self._drums else 0
        for b, p in ((bank, program), (home, program), (home, 0)):
            if lib.fluid_synth_program_select(self._synth, channel, self.sfont_id, b, p) == 0:
                return

    def cc(self, channel: int, controller: int, value: int) -> None:
        self._lib.fluid_synth_cc(self._synth, channel, controller, value)

    def note_on(self, channel: int, key: int, velocity: int) -> None:
        if self._lib.fluid_synth_noteon(self._synth, channel, key, velocity) == 0:
            self._notes += 1  # FluidSynth numbers a note-on it plays (not one on a channel without a program)

    @property
    def last_note_id(self) -> int | None:
        """The number FluidSynth gave the latest :meth:`note_on` (its voices carry it), once a probe
        (:meth:`patch_generators`, :meth:`note_voices`) has seen one; None before."""
        return None if self._first_id is None else self._first_id + self._notes

    def note_voices_of(self, note_id: int, channel: int, key: int) -> list[int]:
        """The voices still sounding of the note numbered ``note_id`` (their addresses, valid until the synthesizer
        next renders); empty where the note's voices have ended. Raises :class:`LookupError` where the voices of
        that number are not ``key`` on ``channel`` (the numbering is not what :attr:`last_note_id` assumed)."""
        buffer = self._voice_buffer
        self._lib.fluid_synth_get_voicelist(self._synth, buffer, _VOICES_PER_NOTE, note_id)
        voices = []
        for voice in buffer:
            if not voice:
                break
            voices.append(voice)
        if voices and (self._lib.fluid_voice_get_channel(voices[0]) != channel
                       or self._lib.fluid_voice_get_key(voices[0]) != key):
            raise LookupError(f"voices numbered {note_id} are not key {key} on channel {channel}")
        return voices

    def voice_gen(self, voice: int, generator: int) -> float:
        """A sounding voice's own value of ``generator`` (its zones', before modulators and channel offsets)."""
        return float(self._lib.fluid_voice_gen_get(voice, generator))

    def set_voice_gen(self, voice: int, generator: int, value: float) -> None:
        """Set ``generator`` of one sounding voice to ``value`` (its zones' value), effective from the next block."""
        lib = self._lib
        lib.fluid_voice_gen_set(voice, generator, value)
        lib.fluid_voice_update_param(voice, generator)
        # a voice's update waits in FluidSynth's queue until a synthesizer call returns: make one
        lib.fluid_synth_get_active_voice_count(self._synth)

    def voice_is(self, voice: int, note_id: int) -> bool:
        """Whether ``voice`` (an address from :meth:`note_voices_of`) still sounds for note ``note_id``: voices are
        reused once they end."""
        lib = self._lib
        return bool(lib.fluid_voice_is_playing(voice)) and lib.fluid_voice_get_id(voice) == note_id

    def note_off(self, channel: int, key: int) -> None:
        self._lib.fluid_synth_noteoff(self._synth, channel, key)

    def pitch_bend(self, channel: int, value: int) -> None:
        """Bend ``channel`` by ``value`` 0-16383 (8192 is no bend), over the range RPN 0 set."""
        self._lib.fluid_synth_pitch_bend(self._synth, channel, value)

    def set_gen(self, channel: int, generator: int, offset: float) -> None:
        """Add ``offset`` (the generator's own units) to ``generator`` of every voice on ``channel``, sounding
        or to come — as an NRPN would; it takes a channel below what its patch asks for, where controllers cannot.
        """
        self._lib.fluid_synth_set_gen(self._synth, channel, generator, offset)

    def patch_generators(self, channel: int, keys: Iterable[int], velocity: int,
                         generators: tuple[int, ...]) -> np.ndarray:
        """The patch's own values (instrument and preset zones, before modulators and offsets) of ``generators``,
        averaged over the voices each of ``keys`` starts on ``channel``; NaN where no key starts a voice.

        The probe notes are silenced before they sound; call :meth:`reset` before rendering.
        """
        lib = self._lib
        total = np.zeros(len(generators))
        count = 0
        for key in keys:
            for voice in self._started(channel, key, velocity):
                count += 1
                total += [lib.fluid_voice_gen_get(voice, g) for g in generators]
            lib.fluid_synth_all_sounds_off(self._synth, channel)
        return total / count if count else np.full(len(generators), np.nan)

    def note_voices(self, channel: int, key: int, velocity: int) -> int:
        """How many voices (samples played at once: layers, stereo pairs) one note of ``key`` starts on
        ``channel``: what the note costs to render. The probe note is silenced before it sounds."""
        count = len(self._started(channel, key, velocity))
        self._lib.fluid_synth_all_sounds_off(self._synth, channel)
        return count

    def _started(self, channel: int, key: int, velocity: int) -> list[int]:
        """Start a note; the voices it started (those of the newest note on ``channel``: notes silenced before
        are listed until the synthesizer next renders, and must neither count nor crowd the new one out)."""
        lib = self._lib
        voices = (ctypes.c_void_p * _POLYPHONY)()
        self.note_on(channel, key, velocity)
        lib.fluid_synth_get_voicelist(self._synth, voices, _POLYPHONY, -1)
        mine = []
        for voice in voices:
            if not voice:  # the list ends at the first empty slot
                break
            if lib.fluid_voice_get_channel(voice) == channel:
                mine.append((lib.fluid_voice_get_id(voice), voice))
        newest = max((ident for ident, _ in mine), default=None)
        if newest is None or (self._seen_id is not None and newest <= self._seen_id):
            return []  # this note started no voice: the newest listed are an earlier, silenced one's
        self._seen_id = newest
        self._first_id = newest - self._notes
        return [voice for ident, voice in mine if ident == newest]

    @property
    def active_voices(self) -> int:
        return int(self._lib.fluid_synth_get_active_voice_count(self._synth))

    # -- audio -----------------------------------------------------------------------------------------------

    def write(self, out: np.ndarray) -> None:
        """Render ``len(out)`` frames into ``out`` (C-contiguous float32, shape (frames, 2)), overwriting it."""
        if out.dtype != np.float32 or out.ndim != 2 or out.shape[1] != 2 or not out.flags.c_contiguous:
            raise ValueError("out must be a C-contiguous float32 array of shape (frames, 2)")
        write = self._lib.fluid_synth_write_float
        base = out.ctypes.data
        done, frames = 0, out.shape[0]
        while done < frames:
            n = min(_MAX_BLOCK, frames - done)
            ptr = base + done * 8  # 2 interleaved float32 channels per frame
            if write(self._synth, n, ptr, 0, 2, ptr, 1, 2) != 0:
                raise RuntimeError("FluidSynth failed to render audio")
            done += n

    def process(self, frames: int, fx: int, n_fx: int, out: int, n_out: int) -> None:
        """Add ``frames`` frames into float32 buffers given by address: ``out`` points at ``n_out`` buffer
        addresses (left and right of each audio group in turn), ``fx`` at ``n_fx`` (reverb left, right, chorus
        left, right). The buffers are added to, not overwritten."""
        if self._lib.fluid_synth_process(self._synth, frames, n_fx, fx, n_out, out) != 0:
            raise RuntimeError("FluidSynth failed to render audio")

    def close(self) -> None:
        if getattr(self, "_synth", None):
            if getattr(self, "_font", None):  # the SoundFont is lent: it stays with its holder
                # removing it selects every channel's program again, from nothing: FluidSynth warns of each
                with _QUIET:
                    warn = self._lib.fluid_set_log_function(_FLUID_WARN, None, None)
                    try:
                        self._lib.fluid_synth_remove_sfont(self._synth, self._font)
                    finally:
                        self._lib.fluid_set_log_function(_FLUID_WARN, warn, None)
                self._font = None
            self._lib.delete_fluid_synth(self._synth)
            self._synth = None
        if getattr(self, "_settings", None):
            self._lib.delete_fluid_settings(self._settings)
            self._settings = None
        lent, self._lent = getattr(self, "_lent", None), None
        if lent is not None:
            lent[1](lent[0])

    def __del__(self) -> None:  # a forgotten close() must not leak a synthesizer per job
        try:
            self.close()
        except Exception:
            pass
