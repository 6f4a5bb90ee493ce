/* Orchestrion playground: the views (Generate and Live tabs) and the Live view.
 *
 * A live session is a WebSocket to /v1/live. A browser cannot set headers on a WebSocket, so the key travels in the
 * first message: {"setup": {"api_key", "model", "seed"}}; the server answers {"setupComplete": {...}}. Then the page
 * sends the prompt blend ({"prompts": [{text, weight}]}), the controls ({"config": {...}}, only what changed) and the
 * transport ({"play": {}}, {"pause": {}}, {"stop": {}}, {"reset": {}}). The server sends binary frames of audio
 * (16-bit little-endian interleaved stereo PCM at 48 kHz, about 200 ms each), scheduled gaplessly on Web Audio
 * (pcm.js); {"state": {bar, seconds, playing, applied}} whenever a change takes effect; and {"error": {message, path,
 * requestId, statusCode, timestamp}}. The seconds of audio received, the frames and the buffers scheduled are kept on
 * #live-received (data-seconds, data-frames, data-scheduled) for anyone checking that sound flows.
 * docs/live.md is the protocol. The controls start at the server's defaults ("auto": tempo, scale, density and
 * brightness follow the prompts) and only those the user set are sent; a prompt at weight 0 is left out of the blend.
 */
"use strict";

(() => {
  const KEY_STORE = "orchestrion.apiKey";
  const LIVE_PATH = "/v1/live";
  const MODEL = "orchestrion/composer";
  const MAX_PROMPTS = 8;
  const FIRST_PROMPT = "warm lo-fi piano over soft brushed drums";

  const $ = (id) => document.getElementById(id);
  const els = {
    tabs: [$("tab-generate"), $("tab-live")], generateView: $("generate-view"), liveView: $("live-view"),
    seed: $("live-seed"), connect: $("live-connect"), play: $("live-play"), pause: $("live-pause"),
    stop: $("live-stop"), reset: $("live-reset"), status: $("live-status"), bar: $("live-bar"), time: $("live-time"),
    received: $("live-received"), tempo: $("live-tempo"), applied: $("live-applied"), error: $("live-error"),
    prompts: $("live-prompts"), rows: $("live-prompt-rows"), addPrompt: $("live-add-prompt"),
    bpm: $("live-bpm"), scale: $("live-scale"), density: $("live-density"),
    densityOut: $("live-density-out"), brightness: $("live-brightness"), brightnessOut: $("live-brightness-out"),
    densityAuto: $("live-density-auto"), brightnessAuto: $("live-brightness-auto"),
    muteBass: $("live-mute-bass"), muteDrums: $("live-mute-drums"), onlyBassDrums: $("live-only-bass-drums"),
    controlsError: $("live-controls-error"), keyButton: $("key-button"),
  };

  const session = {
    ws: null,
    ready: false,        // setupComplete came
    wantPlay: false,     // Play was pressed before the session was ready
    player: null,        // PcmPlayer of this session's audio
    errored: false,      // an error frame came: the close that follows says nothing more
    leaving: false,      // the page closed it (Disconnect)
    frames: 0,
    serverPlaying: null, // what the last state frame said (false: audio now is the fade after a pause or stop)
    discarding: null,    // "stop" or "reset" done here at once, until the server's state says it took effect
    skipBytes: 0,        // the fade of the music this page stopped or reset, still to come and to be skipped
  };
  // docs/live.md: where stop or reset cuts the music, it fades out over the first 30 ms of the audio that follows.
  const FADE_BYTES = 1440 * 4; // 30 ms of 16-bit stereo at 48 kHz
  let promptSerial = 0;
  const touched = new Set();  // controls the user has set

  // -- views: Generate and Live, as tabs ------------------------------------------------------------------------

  function selectView(name, { focus = false } = {}) {
    const live = name === "live";
    els.generateView.hidden = live;
    els.liveView.hidden = !live;
    for (const tab of els.tabs) {
      const selected = tab.getAttribute("aria-controls") === (live ? "live-view" : "generate-view");
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected && focus) tab.focus();
    }
    const hash = live ? "#live" : "";
    if (window.location.hash !== hash) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search + hash);
    }
  }

  function wireTabs() {
    els.tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => selectView(i === 1 ? "live" : "generate"));
      tab.addEventListener("keydown", (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (event.key === "Home" || event.key === "End") {
          event.preventDefault();
          selectView(event.key === "End" ? "live" : "generate", { focus: true });
        } else if (step) {
          event.preventDefault();
          const next = (i + step + els.tabs.length) % els.tabs.length;
          selectView(next === 1 ? "live" : "generate", { focus: true });
        }
      });
    });
    window.addEventListener("hashchange", () => selectView(window.location.hash === "#live" ? "live" : "generate"));
    if (window.location.hash === "#live") selectView("live");
  }

  // -- messages -------------------------------------------------------------------------------------------------

  function getKey() {
    try {
      const raw = window.localStorage.getItem(KEY_STORE);
      const key = raw === null ? "" : JSON.parse(raw);
      return typeof key === "string" ? key : "";
    } catch (_) {
      return "";
    }
  }

  function setStatus(text) { els.status.textContent = text; }

  function showError(message, { offerKey = false } = {}) {
    els.error.replaceChildren(document.createTextNode(message));
    if (offerKey) {
      const fix = document.createElement("button");
      fix.type = "button";
      fix.className = "ghost small";
      fix.textContent = "Change API key";
      fix.addEventListener("click", () => els.keyButton.click());
      els.error.append(" ", fix);
    }
    els.error.hidden = false;
  }

  function clearError() {
    els.error.hidden = true;
    els.error.replaceChildren();
  }

  /* The server's error body {message, path, requestId, statusCode, timestamp}, said plainly. */
  function describeError(error) {
    const message = String(error && error.message ? error.message : "the server reported an error");
    const status = Number(error && error.statusCode);
    const ref = error && error.requestId ? ` (request ${error.requestId})` : "";
    if (status === 401) return `Your API key was not accepted: ${message}${ref}`;
    if (status === 403) return `Not allowed: ${message}${ref}`;
    if (status === 429) return `Too many sessions or requests: ${message}${ref}`;
    if (status >= 500) return `The server could not do it (${status}): ${message}${ref}`;
    return `${message}${ref}`;
  }

  function send(message) {
    if (!session.ws || !session.ready || session.ws.readyState !== WebSocket.OPEN) return false;
    session.ws.send(JSON.stringify(message));
    return true;
  }

  // -- the session ----------------------------------------------------------------------------------------------

  function liveUrl() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${LIVE_PATH}`;
  }

  function readSeed() {
    const text = els.seed.value.trim();
    if (text === "") return { seed: Math.floor(Math.random() * 4294967296) };
    const seed = Number(text);
    if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) {
      return { error: "Session seed must be a whole number from 0 to 4294967295, or left empty." };
    }
    return { seed };
  }

  function connect() {
    if (session.ws) return;
    clearError();
    const key = getKey();
    if (!key) {
      showError("Set your API key first.", { offerKey: true });
      return;
    }
    const { seed, error } = readSeed();
    if (error) {
      showError(error);
      els.seed.focus();
      return;
    }
    const pcm = window.OrchestrionPcm;
    if (!pcm || !pcm.supported()) {
      showError("This browser cannot play live audio (no Web Audio).");
      return;
    }
    let ws;
    try {
      ws = new WebSocket(liveUrl());
    } catch (err) {
      showError(`Cannot open the live session: ${err.message}`);
      return;
    }
    ws.binaryType = "arraybuffer";
    Object.assign(session, { ws, ready: false, errored: false, leaving: false, frames: 0, serverPlaying: null,
                             discarding: null, skipBytes: 0 });
    // Made now, inside the click: the browser lets audio start from a user's gesture.
    if (session.player) session.player.close();
    session.player = new pcm.PcmPlayer({ lead: 0.3 });
    showCounters();
    resetState();
    setStatus("Connecting…");
    ws.addEventListener("open", () => {
      if (ws !== session.ws) return;
      ws.send(JSON.stringify({ setup: { api_key: key, model: MODEL, seed } }));
      setStatus("Connected, setting up…");
    });
    ws.addEventListener("message", (event) => {
      if (ws !== session.ws) return;
      if (typeof event.data === "string") onText(event.data);
      else onAudio(event.data);
    });
    ws.addEventListener("close", (event) => {
      if (ws === session.ws) onClose(event);
    });
    renderButtons();
  }

  function disconnect() {
    if (!session.ws) return;
    session.leaving = true;
    session.ws.close(1000, "closed by the page");
    onClose({ code: 1000, reason: "", wasClean: true });
  }

  function onClose(event) {
    const wasReady = session.ready;
    session.ws = null;
    session.ready = false;
    session.wantPlay = false;
    if (session.player) session.player.flush();
    renderButtons();
    if (session.leaving) {
      setStatus("Not connected");
    } else if (session.errored) {
      setStatus("Session ended");
    } else {
      setStatus("Session ended");
      const why = event.reason ? `: ${event.reason}` : "";
      showError(wasReady
        ? `The live session closed (code ${event.code}${why}).`
        : `Could not open a live session (code ${event.code}${why}). Is the server running, and does it offer /v1/live?`);
    }
  }

  function onText(text) {
    let message;
    try { message = JSON.parse(text); } catch (_) { return; }
    if (!message || typeof message !== "object") return;
    if (message.setupComplete) {
      session.ready = true;
      const seed = message.setupComplete.seed;
      setStatus(Number.isInteger(seed) ? `Connected · seed ${seed}` : "Connected");
      renderButtons();
      sendBlend();
      sendConfig(touchedConfig());
      if (session.wantPlay) {
        session.wantPlay = false;
        transport("play");
      }
    } else if (message.state) {
      const wasPlaying = session.serverPlaying === true;
      if (typeof message.state.playing === "boolean") session.serverPlaying = message.state.playing;
      const applied = message.state.applied;
      if (session.discarding && applied && typeof applied === "object" && session.discarding in applied) {
        // From here on the audio is what the server plays after the stop or reset this page already carried out;
        // where it cut playing music, that music's fade comes first.
        if (wasPlaying) session.skipBytes = FADE_BYTES;
        session.discarding = null;
      }
      showState(message.state);
    } else if (message.error) {
      const status = Number(message.error.statusCode);
      // 400: a bad message, the session goes on; anything else closes it, and this says why.
      if (status !== 400) session.errored = true;
      showError(describeError(message.error), { offerKey: status === 401 });
    }
  }

  function onAudio(data) {
    // This page silences pause, stop and reset at once, so it plays none of what the server sends for them late:
    // what was still on its way when it stopped or reset, the 30 ms fade where the server cut the music (opening
    // the next piece's audio, or a chunk of its own padded with silence), nor anything while the server says it is
    // not playing (after a pause this page resumes from what it held).
    if (!session.player || session.discarding) return;
    if (session.skipBytes > 0) {
      const skipped = Math.min(session.skipBytes, data.byteLength);
      session.skipBytes -= skipped;
      data = data.slice(skipped);
    }
    if (!data.byteLength || session.serverPlaying === false) return;
    session.frames += 1;
    session.player.push(data);
    showCounters();
  }

  function showCounters() {
    const player = session.player;
    const seconds = player ? player.secondsReceived : 0;
    els.received.dataset.seconds = seconds.toFixed(3);
    els.received.dataset.frames = String(session.frames);
    els.received.dataset.scheduled = String(player ? player.buffersScheduled : 0);
    els.received.textContent = `${seconds.toFixed(1)} s`;
  }

  function resetState() {
    els.bar.textContent = "–";
    els.time.textContent = "–";
    els.tempo.textContent = "–";
    els.applied.textContent = "nothing yet";
    els.applied.dataset.bar = "";
  }

  function clock(seconds) {
    const s = Math.max(0, Number(seconds) || 0);
    const m = Math.floor(s / 60);
    return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
  }

  function showState(state) {
    if (Number.isFinite(Number(state.bar))) els.bar.textContent = String(state.bar);
    if (Number.isFinite(Number(state.seconds))) els.time.textContent = clock(state.seconds);
    if (typeof state.playing === "boolean") {
      const stopped = !state.playing && state.applied && typeof state.applied === "object" && "stop" in state.applied;
      setStatus(state.playing ? "Playing" : (stopped ? "Stopped" : "Paused"));
    }
    const tempo = [];
    if (Number.isFinite(Number(state.bpm)) && state.bpm !== null) tempo.push(`${Math.round(state.bpm)} BPM`);
    if (typeof state.scale === "string" && state.scale) tempo.push(state.scale);
    if (tempo.length) els.tempo.textContent = tempo.join(" · ");
    if (state.applied !== undefined && state.applied !== null) {
      const bar = Number.isFinite(Number(state.bar)) ? String(state.bar) : "";
      els.applied.textContent = `${describeApplied(state.applied)}${bar ? ` (bar ${bar})` : ""}`;
      els.applied.dataset.bar = bar;
    }
  }

  /* What a state frame says was applied: prompts, controls, a transport change, or anything else as written. */
  function describeApplied(applied) {
    if (typeof applied === "string") return applied;
    if (Array.isArray(applied)) return applied.map(describeApplied).join("; ");
    if (!applied || typeof applied !== "object") return String(applied);
    const parts = [];
    for (const [name, value] of Object.entries(applied)) {
      if (name === "prompts" && Array.isArray(value)) {
        const blend = value.map((p) => `“${p.text}” ${Number(p.weight).toFixed(2)}`).join(", ");
        parts.push(`prompts ${blend}`);
      } else if (name === "config" && value && typeof value === "object") {
        parts.push(Object.entries(value).map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`).join(", "));
      } else if (value && typeof value === "object" && !Object.keys(value).length) {
        parts.push(name);
      } else {
        parts.push(`${name.replace(/_/g, " ")} ${typeof value === "object" ? JSON.stringify(value) : value}`);
      }
    }
    return parts.join("; ") || "—";
  }

  /* Pause, stop and reset are heard at once. Pause keeps what was received but not yet heard (the server sent it
   * ahead), and play resumes from it, so nothing is skipped; stop and reset drop it. */
  function transport(action) {
    if (!send({ [action]: {} })) return;
    const player = session.player;
    if (!player) return;
    if (action === "pause") player.hold();
    else if (action === "play") {
      if (player.ctx && player.ctx.state === "suspended") player.ctx.resume().catch(() => {});
      player.resume();
    } else {
      player.flush();
      session.discarding = action;
    }
  }

  function play() {
    clearError();
    if (!session.ws) {
      const { error, field } = readBlend();
      if (error) {
        showError(`${error} A session plays a blend of prompts.`);
        if (field) field.focus();
        return;
      }
    }
    if (session.ready) transport("play");
    else {
      session.wantPlay = true;
      if (!session.ws) connect();
    }
  }

  function renderButtons() {
    const open = Boolean(session.ws);
    els.connect.textContent = open ? "Disconnect" : "Connect";
    els.seed.disabled = open;
    for (const button of [els.pause, els.stop, els.reset]) button.disabled = !session.ready;
  }

  // -- the prompt blend -----------------------------------------------------------------------------------------

  function addPromptRow(text = "", weight = 1) {
    promptSerial += 1;
    const id = (part) => `live-prompt-${promptSerial}-${part}`;
    const row = document.createElement("li");
    row.className = "live-prompt";
    row.setAttribute("role", "group");
    const textLabel = document.createElement("label");
    textLabel.htmlFor = id("text");
    textLabel.textContent = "Text";
    const input = document.createElement("input");
    input.type = "text";
    input.id = id("text");
    input.className = "live-prompt-text";
    input.maxLength = 2000;
    input.placeholder = "e.g. dreamy synth pads";
    input.value = text;
    const weightLabel = document.createElement("label");
    weightLabel.htmlFor = id("weight");
    weightLabel.textContent = "Weight";
    const slider = document.createElement("input");
    slider.type = "range";
    slider.id = id("weight");
    slider.className = "live-prompt-weight";
    slider.min = "0";
    slider.max = "2";
    slider.step = "0.05";
    slider.value = String(weight);
    const shown = document.createElement("output");
    shown.htmlFor = slider.id;
    shown.className = "live-weight-value";
    shown.textContent = Number(weight).toFixed(2);
    slider.addEventListener("input", () => { shown.textContent = Number(slider.value).toFixed(2); });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "ghost small live-prompt-remove";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      numberPromptRows();
      (next ? next.querySelector(".live-prompt-text") : els.addPrompt).focus();
    });
    const textField = document.createElement("div");
    textField.className = "live-prompt-field";
    textField.append(textLabel, input);
    const weightField = document.createElement("div");
    weightField.className = "live-prompt-field live-prompt-weight-field";
    const weightRow = document.createElement("div");
    weightRow.className = "inline";
    weightRow.append(slider, shown);
    weightField.append(weightLabel, weightRow);
    row.append(textField, weightField, remove);
    els.rows.append(row);
    numberPromptRows();
    return row;
  }

  function numberPromptRows() {
    const rows = [...els.rows.children];
    rows.forEach((row, i) => {
      row.setAttribute("aria-label", `Prompt ${i + 1}`);
      const remove = row.querySelector(".live-prompt-remove");
      remove.setAttribute("aria-label", `Remove prompt ${i + 1}`);
      remove.hidden = rows.length === 1;
    });
    els.addPrompt.disabled = rows.length >= MAX_PROMPTS;
  }

  /* The blend as the rows show it ({prompts}), or {error, field}. Empty rows are left out. */
  function readBlend() {
    const prompts = [];
    let muted = false;
    for (const row of els.rows.children) {
      const input = row.querySelector(".live-prompt-text");
      const text = input.value.trim();
      if (!text) continue;
      const weight = Number(row.querySelector(".live-prompt-weight").value);
      if (weight > 0) prompts.push({ text, weight });
      else muted = true;
    }
    if (!prompts.length) {
      if (muted) return { error: "Give at least one prompt a weight above 0.", field: els.rows.querySelector(".live-prompt-weight") };
      return { error: "Write at least one prompt.", field: els.rows.querySelector(".live-prompt-text") };
    }
    return { prompts };
  }

  function sendBlend() {
    const { prompts } = readBlend();
    if (prompts) send({ prompts });
  }

  function applyBlend(event) {
    event.preventDefault();
    clearError();
    const { prompts, error, field } = readBlend();
    if (error) {
      showError(error);
      if (field) field.focus();
      return;
    }
    if (send({ prompts })) setStatus("Prompts sent: heard from the next bar");
    else setStatus("Not connected: Play starts a session with this blend");
  }

  // -- controls -------------------------------------------------------------------------------------------------

  /* The controls the user has set (the others stay at the server's defaults), for a session that starts. */
  function touchedConfig() {
    const config = {};
    for (const name of touched) {
      const value = readControl(name);
      if (!value.error) config[name] = value.value;
    }
    return config;
  }

  /* A control's value as sent: null where it is left to the prompts ("auto"), or {error, field}. */
  function readControl(name) {
    switch (name) {
      case "bpm": {
        if (els.bpm.value.trim() === "") return { value: null };
        const bpm = Number(els.bpm.value);
        if (!Number.isFinite(bpm) || bpm < 40 || bpm > 240) {
          return { error: "Tempo must be from 40 to 240 BPM, or empty for auto.", field: els.bpm };
        }
        return { value: bpm };
      }
      case "scale": return { value: els.scale.value.trim() || null };
      case "density": return { value: els.density.dataset.auto === "true" ? null : Number(els.density.value) };
      case "brightness": return { value: els.brightness.dataset.auto === "true" ? null : Number(els.brightness.value) };
      case "mute_bass": return { value: els.muteBass.checked };
      case "mute_drums": return { value: els.muteDrums.checked };
      case "only_bass_and_drums": return { value: els.onlyBassDrums.checked };
      default: return { error: `unknown control ${name}` };
    }
  }

  function sendConfig(config) {
    if (Object.keys(config).length) send({ config });
  }

  /* One control changed: only it is sent (the config is partial). */
  function controlChanged(name) {
    touched.add(name);
    clearError();
    const { value, error, field } = readControl(name);
    if (error) {
      els.controlsError.textContent = error;
      els.controlsError.hidden = false;
      field.focus();
      return;
    }
    els.controlsError.hidden = true;
    els.controlsError.textContent = "";
    sendConfig({ [name]: value });
  }

  // -- wiring ---------------------------------------------------------------------------------------------------

  function init() {
    if (!els.liveView) return;
    wireTabs();
    addPromptRow(FIRST_PROMPT, 1);
    renderButtons();
    els.connect.addEventListener("click", () => (session.ws ? disconnect() : connect()));
    els.play.addEventListener("click", play);
    els.pause.addEventListener("click", () => transport("pause"));
    els.stop.addEventListener("click", () => transport("stop"));
    els.reset.addEventListener("click", () => transport("reset"));
    els.addPrompt.addEventListener("click", () => addPromptRow().querySelector(".live-prompt-text").focus());
    els.prompts.addEventListener("submit", applyBlend);
    els.bpm.addEventListener("change", () => controlChanged("bpm"));
    els.scale.addEventListener("change", () => controlChanged("scale"));
    for (const [input, out, auto, name] of [[els.density, els.densityOut, els.densityAuto, "density"],
      [els.brightness, els.brightnessOut, els.brightnessAuto, "brightness"]]) {
      const show = () => {
        const isAuto = input.dataset.auto === "true";
        out.textContent = isAuto ? "auto" : Number(input.value).toFixed(2);
        auto.disabled = isAuto;
      };
      input.dataset.auto = "true";
      show();
      input.addEventListener("input", () => { input.dataset.auto = "false"; show(); });
      input.addEventListener("change", () => { input.dataset.auto = "false"; show(); controlChanged(name); });
      auto.addEventListener("click", () => {
        input.dataset.auto = "true";
        show();
        controlChanged(name);
        input.focus();
      });
    }
    els.muteBass.addEventListener("change", () => controlChanged("mute_bass"));
    els.muteDrums.addEventListener("change", () => controlChanged("mute_drums"));
    els.onlyBassDrums.addEventListener("change", () => controlChanged("only_bass_and_drums"));
    window.addEventListener("pagehide", () => { if (session.ws) disconnect(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
