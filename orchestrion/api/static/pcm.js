/* Orchestrion playground: gapless playback of raw PCM through Web Audio, shared by the generate view's stream player
 * (app.js: a track heard while it renders) and the Live view (live.js: a live session's audio frames).
 *
 * The server's PCM is 16-bit little-endian, interleaved stereo at 48 kHz. Each piece pushed (any length: a piece may
 * end inside a sample frame, the rest is kept for the next) becomes an AudioBuffer scheduled to start exactly where
 * the last one ends, on one AudioContext for the page. Where the pieces come slower than they play the queue runs dry
 * (an underrun): the next piece starts a short lead after "now" instead of in the past, and the gap is counted.
 */
"use strict";

window.OrchestrionPcm = (() => {
  const RATE = 48000;
  const FADE = 0.03; // seconds: what is silenced at once fades out over this, and what resumes fades back in
  let shared = null;

  /* The page's AudioContext at 48 kHz (the server's rate, so nothing is resampled), created on first use. */
  function context() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!shared || shared.state === "closed") {
      try {
        shared = new Context({ sampleRate: RATE, latencyHint: "playback" });
      } catch (_) {
        shared = new Context(); // a device that cannot run at 48 kHz: Web Audio resamples each buffer
      }
    }
    if (shared.state === "suspended") shared.resume().catch(() => {});
    return shared;
  }

  const supported = () => Boolean(window.AudioContext || window.webkitAudioContext);

  class PcmPlayer {
    /* rate and channels of the PCM; lead: seconds queued before the first piece (and after an underrun) plays;
     * minFrames: pieces are gathered until this many frames before a buffer is made (tiny network reads). */
    constructor({ rate = RATE, channels = 2, lead = 0.2, minFrames = 0 } = {}) {
      this.rate = rate;
      this.channels = channels;
      this.lead = lead;
      this.minFrames = minFrames;
      this.ctx = context();
      this.gain = this.ctx ? this.ctx.createGain() : null;
      if (this.gain) this.gain.connect(this.ctx.destination);
      this.sources = new Map();  // scheduled source -> {buffer, start}
      this.held = [];             // what a pause left unplayed: [{buffer, offset}]
      this.holding = false;       // paused: pieces are kept, not played
      this.pending = [];
      this.pendingBytes = 0;
      this.next = 0;              // context time where the next buffer starts
      this.framesReceived = 0;    // sample frames pushed (whole frames)
      this.buffersScheduled = 0;
      this.secondsScheduled = 0;
      this.underruns = 0;
      this.closed = false;
    }

    get secondsReceived() { return this.framesReceived / this.rate; }

    /* Seconds of audio queued ahead of what is heard now. */
    get queued() { return this.ctx ? Math.max(0, this.next - this.ctx.currentTime) : 0; }

    /* Add a piece of PCM (an ArrayBuffer or a Uint8Array). Returns the seconds of whole frames it completed. */
    push(piece) {
      if (this.closed) return 0;
      const bytes = piece instanceof Uint8Array ? piece : new Uint8Array(piece);
      if (!bytes.length) return 0;
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
      const frameBytes = 2 * this.channels;
      const frames = Math.floor(this.pendingBytes / frameBytes);
      if (frames === 0 || frames < this.minFrames) return 0;
      return this.emit(frames);
    }

    /* The stream has ended: what is gathered plays too (a trailing partial frame is dropped). */
    end() {
      const frames = Math.floor(this.pendingBytes / (2 * this.channels));
      const seconds = frames ? this.emit(frames) : 0;
      this.pending = [];
      this.pendingBytes = 0;
      return seconds;
    }

    emit(frames) {
      const frameBytes = 2 * this.channels;
      const joined = new Uint8Array(this.pendingBytes);
      let at = 0;
      for (const part of this.pending) {
        joined.set(part, at);
        at += part.length;
      }
      const used = frames * frameBytes;
      const rest = joined.subarray(used);
      this.pending = rest.length ? [rest.slice()] : [];
      this.pendingBytes = rest.length;
      this.framesReceived += frames;
      if (this.ctx) this.schedule(this.toBuffer(joined, frames));
      return frames / this.rate;
    }

    toBuffer(bytes, frames) {
      const buffer = this.ctx.createBuffer(this.channels, frames, this.rate);
      const samples = new DataView(bytes.buffer, bytes.byteOffset, frames * 2 * this.channels);
      for (let c = 0; c < this.channels; c += 1) {
        const out = buffer.getChannelData(c);
        for (let i = 0, offset = 2 * c; i < frames; i += 1, offset += 2 * this.channels) {
          out[i] = samples.getInt16(offset, true) / 32768;
        }
      }
      return buffer;
    }

    schedule(buffer) {
      if (this.holding) this.held.push({ buffer, offset: 0 }); // arrived after a pause: kept for resume()
      else this.start(buffer, 0);
      this.buffersScheduled += 1;
      this.secondsScheduled += buffer.duration;
    }

    start(buffer, offset) {
      const now = this.ctx.currentTime;
      if (this.next < now + 0.01) {
        if (this.buffersScheduled > 0) this.underruns += 1;
        this.next = now + this.lead;
      }
      const source = this.ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(this.gain);
      source.start(this.next, offset);
      source.addEventListener("ended", () => {
        this.sources.delete(source);
        source.disconnect();
      });
      this.sources.set(source, { buffer, start: this.next - offset });
      this.next += buffer.duration - offset;
    }

    /* Silence now, keeping what was queued but not yet heard: resume() (or the next piece) plays it from there. */
    hold() {
      const now = this.ctx ? this.ctx.currentTime : 0;
      const unplayed = [...this.sources.values()]
        .filter(({ buffer, start }) => start + buffer.duration > now)
        .sort((a, b) => a.start - b.start)
        .map(({ buffer, start }) => ({ buffer, offset: Math.max(0, now - start) }));
      this.silence();
      this.held = this.held.concat(unplayed);
      this.holding = true;
    }

    resume() {
      const held = this.held;
      this.held = [];
      this.holding = false;
      if (held.length && this.gain) { // it picks up mid-waveform: faded in, so it does not click
        const now = this.ctx.currentTime;
        const at = this.next < now + 0.01 ? now + this.lead : this.next; // where start() puts the first
        this.gain.gain.cancelScheduledValues(at);
        this.gain.gain.setValueAtTime(0, at);
        this.gain.gain.linearRampToValueAtTime(1, at + FADE);
      }
      for (const { buffer, offset } of held) this.start(buffer, offset);
    }

    /* Silence now: what is queued (or held) is dropped; later pieces start afresh after the lead. */
    flush() {
      this.silence();
      this.held = [];
      this.holding = false;
      this.pending = [];
      this.pendingBytes = 0;
    }

    /* Silence now: what plays fades out over FADE (a cut mid-waveform clicks), what was to come never starts. */
    silence() {
      const end = this.ctx ? this.ctx.currentTime + FADE : 0;
      if (this.gain) {
        const gain = this.gain.gain;
        const now = this.ctx.currentTime;
        gain.cancelScheduledValues(now);
        gain.setValueAtTime(gain.value, now);
        gain.linearRampToValueAtTime(0, end);
        gain.linearRampToValueAtTime(1, end + FADE); // back up for what comes next (it starts a lead later)
      }
      for (const source of this.sources.keys()) {
        try { source.stop(end); } catch (_) { /* never started */ }
      }
      this.sources.clear();
      this.next = 0;
    }

    close() {
      this.flush();
      if (this.gain) this.gain.disconnect();
      this.closed = true;
    }
  }

  return { PcmPlayer, context, supported, RATE };
})();
