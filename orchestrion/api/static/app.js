/* Orchestrion playground: plain JavaScript, no build step.
 *
 * Speaks the same protocol as every other client: POST /v2/generate/audio, then follows the generation over the
 * server-sent events of GET /v2/generate/audio/events?generation_id=ID (read with fetch() and a stream reader, since
 * EventSource cannot send the Authorization header), and on the final event GETs ?generation_id=ID once for the file
 * links. Where the stream cannot be opened, or keeps dropping before the end (it is resumed with Last-Event-ID a few
 * times first), the page polls that GET until the status is final instead.
 * The API key lives in localStorage and only ever travels in the Authorization header; file links
 * are the server's signed URLs, which need no key. History is this browser's list of generation ids (localStorage);
 * opening an entry asks the server again, so links are always fresh. While a generation is queued or generating,
 * "Cancel generation" sends DELETE /v2/generate/audio?generation_id=ID (the key, again, only in the header).
 *
 * Composer models (docs/editing.md) take a "Shape" beside the prompt: chords, time signature, instruments and a
 * section plan, sent only when filled. A completed composer generation answers with its `plan` (sections with start,
 * bars and chords), drawn as a timeline under the waveform, and `sheet_music` (MusicXML and SVG pages), shown in a
 * viewer. Extend, Regenerate this section (repaint) and Remix POST a new generation that names the shown one; it is
 * then followed like any other.
 *
 * A generation started here is heard while it renders: GET /v2/generate/audio/stream?generation_id=ID (fetch(), the
 * key in the header, as an <audio> element could not send it) answers a WAV whose samples arrive as the engine makes
 * them; its PCM is scheduled on Web Audio as it comes (pcm.js), with a "Streaming" indicator. The stream plays through;
 * once the generation completes the <audio> player below holds the stored file for replay, seeking and download, and
 * playing it stops the stream. A server without the route (404), a failed generation (409) or a browser without Web
 * Audio simply leaves the page as it was: the track is heard from the player once completed.
 */
"use strict";

(() => {
  const API_PATH = "/v2/generate/audio";
  const EVENTS_PATH = "/v2/generate/audio/events";
  const STREAM_PATH = "/v2/generate/audio/stream";
  const STREAM_MIN_FRAMES = 2400;  // 50 ms: tiny network reads are gathered before a buffer is scheduled
  const KEY_STORE = "orchestrion.apiKey";
  const HISTORY_STORE = "orchestrion.history";
  const SETTINGS_STORE = "orchestrion.settings";
  const HISTORY_MAX = 50;
  const ACTIVE = new Set(["queued", "generating", "waiting"]);
  const RETRYABLE = new Set([0, 429, 502, 503, 504]);
  const POLL_FIRST_MS = 400;
  const POLL_MAX_MS = 2000;
  const STREAM_RECONNECTS = 3;     // resumptions of a dropped event stream before polling instead
  const STREAM_RETRY_MS = 2000;    // wait before resuming, until the stream's `retry:` field says otherwise
  const STREAM_RETRY_MAX_MS = 10000;
  const NOTES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];

  const $ = (id) => document.getElementById(id);
  const els = {
    form: $("generate-form"), prompt: $("prompt"), negative: $("negative-prompt"), model: $("model"),
    seed: $("seed"), seedRandom: $("seed-random"), duration: $("duration"), bpm: $("bpm"), key: $("key"),
    keys: $("keys"), loop: $("loop"), modelHint: $("model-hint"), format: $("format"), generate: $("generate"),
    now: $("now"), status: $("status"), progress: $("progress"), error: $("error"), result: $("result"),
    resultTitle: $("result-title"), resultMeta: $("result-meta"), waveform: $("waveform"), player: $("player"),
    downloads: $("downloads"), history: $("history"), historyEmpty: $("history-empty"),
    clearHistory: $("clear-history"), keyButton: $("key-button"), keyDialog: $("key-dialog"),
    keyForm: $("key-form"), keyInput: $("api-key"), keyError: $("key-error"), keyForget: $("key-forget"),
    keyCancel: $("key-cancel"), cancelRow: $("cancel-row"), cancel: $("cancel-generation"),
    shape: $("shape"), chords: $("chords"), timeSignature: $("time-signature"), instruments: $("instruments"),
    sheetMusicOn: $("sheet-music-on"), planRows: $("plan-rows"), addSection: $("add-section"),
    timeline: $("timeline"), timelineSections: $("timeline-sections"), playhead: $("timeline-playhead"),
    repaintForm: $("repaint-form"), repaintTitle: $("repaint-title"), repaintPrompt: $("repaint-prompt"),
    repaintGo: $("repaint-go"), repaintCancel: $("repaint-cancel"), repaintError: $("repaint-error"),
    edit: $("edit"), extendForm: $("extend-form"), extendSeconds: $("extend-seconds"), extendGo: $("extend-go"),
    extendError: $("extend-error"), remixForm: $("remix-form"), remixPrompt: $("remix-prompt"),
    remixGo: $("remix-go"), remixError: $("remix-error"),
    sheet: $("sheet"), sheetPrev: $("sheet-prev"), sheetNext: $("sheet-next"), sheetPage: $("sheet-page"),
    sheetImage: $("sheet-image"), sheetNone: $("sheet-none"), sheetDownloads: $("sheet-downloads"),
    streamIndicator: $("stream-indicator"), streamText: $("stream-text"), streamStop: $("stream-stop"),
  };

  const view = {
    id: null,          // generation shown in the "Now" card
    pollToken: 0,      // bumping it cancels the event stream or poll loop in flight (see stopFollowing)
    stream: null,      // AbortController of the event stream being read
    listen: null,      // the audio stream being heard: {controller, player, timer}
    startedAt: 0,
    tick: null,        // elapsed-time timer
    last: null,        // last answer for the shown generation
    objectUrl: null,   // blob URL of the loaded track
    peaks: null,       // waveform peaks, recomputed on resize
    audioBuffer: null,
    pendingSubmit: false,
    shown: null,       // the completed generation shown (the source of Extend, Regenerate and Remix)
    spans: [],         // its plan's sections as {name, start, end, bars, chords}, end = next start or track end
    total: 0,          // the track's length the timeline is drawn over (seconds)
    repaintIndex: -1,  // the section whose "Regenerate" panel is open
    sheet: { pages: {}, kind: "lead_sheet", index: 0 },
  };
  let planRowSerial = 0;

  // -- storage (localStorage may be unavailable: private mode, disabled storage) --------------------------------

  function readStore(name, fallback) {
    try {
      const raw = window.localStorage.getItem(name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (_) {
      return fallback;
    }
  }

  function writeStore(name, value) {
    try {
      if (value === null) window.localStorage.removeItem(name);
      else window.localStorage.setItem(name, JSON.stringify(value));
    } catch (_) { /* storage full or disabled: the page still works for this visit */ }
  }

  const getKey = () => readStore(KEY_STORE, "") || "";
  const loadHistory = () => {
    const list = readStore(HISTORY_STORE, []);
    return Array.isArray(list) ? list.filter((e) => e && typeof e.id === "string") : [];
  };
  const saveHistory = (list) => writeStore(HISTORY_STORE, list.slice(0, HISTORY_MAX));

  function updateHistory(id, changes) {
    const list = loadHistory();
    const entry = list.find((e) => e.id === id);
    if (entry) {
      Object.assign(entry, changes);
      saveHistory(list);
      renderHistory();
    }
    return entry;
  }

  // -- HTTP -----------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      const fields = body && typeof body === "object" ? body : {};
      // The API's body is {message, path, requestId, statusCode, timestamp}; a generation's error is {error: {name,
      // message}}: either is read.
      const nested = fields.error && typeof fields.error === "object" ? fields.error : {};
      const message = fields.message || nested.message;
      super(message ? String(message) : `HTTP ${status}`);
      this.status = status;
      this.body = body;
      this.requestId = fields.requestId || null;
      this.retryAfter = retryAfter;
    }
  }

  function retryAfterSeconds(header) {
    if (!header) return null;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const when = Date.parse(header);
    return Number.isNaN(when) ? null : Math.max(0, (when - Date.now()) / 1000);
  }

  async function api(method, path, { body, query } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(query || {})) url.searchParams.set(name, value);
    const headers = { Accept: "application/json" };
    const key = getKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError(0, { message: "Cannot reach the server. Is it still running?" }, null);
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    const retryAfter = retryAfterSeconds(response.headers.get("Retry-After"));
    if (!response.ok) {
      throw new ApiError(response.status, data || { message: text.slice(0, 300) || response.statusText }, retryAfter);
    }
    return { data, retryAfter };
  }

  function describeError(err) {
    if (!(err instanceof ApiError)) return `Something went wrong: ${err && err.message ? err.message : err}`;
    const msg = err.message;
    switch (true) {
      case err.status === 0: return msg;
      case err.status === 401: return `Your API key was not accepted: ${msg}`;
      case err.status === 403: return `Not allowed: ${msg}`;
      case err.status === 404: return `Not found: ${msg}`;
      case err.status === 410: return `Gone: ${msg}`;
      case err.status === 429:
        return err.retryAfter ? `${msg} Try again in ${Math.ceil(err.retryAfter)} s.` : msg;
      case err.status >= 500: return `The server could not do it (${err.status}): ${msg}`;
      default: return msg;
    }
  }

  // -- status and errors ----------------------------------------------------------------------------------------

  function showNow() { els.now.hidden = false; }

  function setStatus(text, percent) {
    els.status.textContent = text;
    if (percent === null || percent === undefined) {
      els.progress.hidden = true;
    } else {
      els.progress.hidden = false;
      els.progress.value = percent;
      els.progress.setAttribute("aria-valuetext", `${Math.round(percent)} percent`);
    }
  }

  function showError(message, { offerKey = false } = {}) {
    showNow();
    els.error.replaceChildren(document.createTextNode(message));
    if (offerKey) {
      const fix = document.createElement("button");
      fix.type = "button";
      fix.className = "ghost small";
      fix.textContent = "Change API key";
      fix.addEventListener("click", () => openKeyDialog());
      els.error.append(" ", fix);
    }
    els.error.hidden = false;
  }

  function clearError() {
    els.error.hidden = true;
    els.error.replaceChildren();
  }

  const elapsed = () => ((performance.now() - view.startedAt) / 1000).toFixed(0);

  function statusText(gen) {
    switch (gen.status) {
      case "queued":
      case "waiting": {
        const pos = gen.queue_position;
        if (pos === 0) return `Queued, next in line · ${elapsed()} s`;
        if (Number.isInteger(pos)) return `Queued, ${pos} ahead · ${elapsed()} s`;
        return `Queued · ${elapsed()} s`;
      }
      case "generating":
        return `Generating ${Math.round(percentOf(gen))}% · ${elapsed()} s`;
      case "completed": return "Completed";
      case "error": return "Failed";
      case "canceled": return "Canceled";
      default: return gen.status;
    }
  }

  function percentOf(gen) {
    const p = Number(gen.progress);
    if (!Number.isFinite(p)) return 0;
    return Math.max(0, Math.min(100, p));
  }

  function renderProgress(gen) {
    const active = ACTIVE.has(gen.status);
    setStatus(statusText(gen), active ? (gen.status === "generating" ? percentOf(gen) : 0) : null);
    els.now.setAttribute("aria-busy", active ? "true" : "false");
    els.cancelRow.hidden = !active;
  }

  function startTicking() {
    stopTicking();
    view.tick = window.setInterval(() => { if (view.last) renderProgress(view.last); }, 1000);
  }

  function stopTicking() {
    if (view.tick) window.clearInterval(view.tick);
    view.tick = null;
  }

  // -- generate and poll ----------------------------------------------------------------------------------------

  function readForm() {
    const prompt = els.prompt.value.trim();
    if (!prompt) return { error: "Write a prompt first: what should the music be?", field: els.prompt };
    const body = { model: els.model.value, prompt };
    const negative = els.negative.value.trim();
    if (negative) body.negative_prompt = negative;
    if (!els.seedRandom.checked) {
      const seed = Number(els.seed.value);
      if (els.seed.value === "" || !Number.isInteger(seed) || seed < 0 || seed > 4294967295) {
        return { error: "Seed must be a whole number from 0 to 4294967295, or tick Random.", field: els.seed };
      }
      body.seed = seed;
    }
    const shape = isComposerModel() ? readShape() : { fields: {} };
    if (shape.error) return shape;
    if (!shape.fields.sections) {
      const duration = Number(els.duration.value);
      if (!Number.isFinite(duration) || duration < 5 || duration > 300) {
        return { error: "Duration must be between 5 and 300 seconds.", field: els.duration };
      }
      body.duration = duration;
    }
    if (els.bpm.value !== "") {
      const bpm = Number(els.bpm.value);
      if (!Number.isFinite(bpm) || bpm < 20 || bpm > 300) {
        return { error: "Tempo must be between 20 and 300 BPM, or left empty.", field: els.bpm };
      }
      body.bpm = bpm;
    }
    const key = els.key.value.trim();
    if (key) body.key = key;
    if (els.loop.checked) body.loop = true;
    Object.assign(body, shape.fields);
    body.output_format = els.format.value;
    return { body, shape: shape.saved };
  }

  // -- shape: chords, metre, instruments, section plan (composer models) --------------------------------------

  function isComposerModel() {
    const option = els.model.selectedOptions[0];
    if (!option) return false;
    if (option.dataset.engine) return option.dataset.engine === "composer";
    return /^(google\/lyria|orchestrion\/composer)/.test(option.value); // before /v1/models has answered
  }

  function showShape() {
    const composer = isComposerModel();
    els.shape.hidden = !composer;
    updateDurationState();
  }

  /* The plan's rows that hold anything, read as the form shows them. */
  function planRowValues() {
    return [...els.planRows.children].map((row) => ({
      row,
      name: row.querySelector(".plan-name").value.trim(),
      length: row.querySelector(".plan-length").value.trim(),
      unit: row.querySelector(".plan-unit").value,
      prompt: row.querySelector(".plan-prompt").value.trim(),
      energy: row.querySelector(".plan-energy").value.trim(),
    })).filter((v) => v.name || v.length || v.prompt || v.energy);
  }

  /* The contract's shape fields that are filled ({fields}), what reuse restores ({saved}), or {error, field}. */
  function readShape() {
    const fields = {};
    const chords = els.chords.value.trim();
    if (chords) fields.chords = chords;
    const metre = els.timeSignature.value.trim();
    if (metre) fields.time_signature = metre;
    const instruments = els.instruments.value.split(",").map((name) => name.trim()).filter(Boolean);
    if (instruments.length > 8) {
      return { error: "At most 8 instruments, separated by commas.", field: els.instruments };
    }
    if (instruments.length) fields.instruments = instruments;
    fields.sheet_music = els.sheetMusicOn.checked; // the server engraves only when asked
    const rows = planRowValues();
    const sections = [];
    for (const [i, v] of rows.entries()) {
      const n = i + 1;
      const at = (selector) => v.row.querySelector(selector);
      if (!v.name || v.name.length > 40) {
        return { error: `Section ${n}: give it a name (1-40 characters).`, field: at(".plan-name") };
      }
      const section = { name: v.name };
      const length = Number(v.length);
      if (v.unit === "bars") {
        if (v.length === "" || !Number.isInteger(length) || length < 1 || length > 64) {
          return { error: `Section ${n}: bars must be a whole number from 1 to 64.`, field: at(".plan-length") };
        }
        section.bars = length;
      } else {
        if (v.length === "" || !Number.isFinite(length) || length < 0.5 || length > 300) {
          return { error: `Section ${n}: seconds must be between 0.5 and 300.`, field: at(".plan-length") };
        }
        section.seconds = length;
      }
      if (v.prompt) section.prompt = v.prompt;
      if (v.energy !== "") {
        const energy = Number(v.energy);
        if (!Number.isFinite(energy) || energy < 0 || energy > 1) {
          return { error: `Section ${n}: energy must be between 0 and 1, or left empty.`, field: at(".plan-energy") };
        }
        section.energy = energy;
      }
      sections.push(section);
    }
    if (sections.length > 32) return { error: "At most 32 sections.", field: els.addSection };
    if (sections.length) fields.sections = sections;
    const saved = {
      chords, time_signature: metre, instruments: els.instruments.value.trim(), sheet_music: els.sheetMusicOn.checked,
      sections: rows.map(({ name, length, unit, prompt, energy }) => ({ name, length, unit, prompt, energy })),
    };
    return { fields, saved };
  }

  function labelled(labelText, control, id) {
    const wrap = document.createElement("div");
    wrap.className = "plan-field";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = labelText;
    control.id = id;
    wrap.append(label, control);
    return wrap;
  }

  function input(type, className, attrs = {}) {
    const el = document.createElement("input");
    el.type = type;
    el.className = className;
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
    return el;
  }

  /* One row of the section plan: name, length in bars or seconds, and optionally a prompt and an energy. */
  function addPlanRow(values = {}) {
    planRowSerial += 1;
    const id = (part) => `plan-${planRowSerial}-${part}`;
    const row = document.createElement("li");
    row.className = "plan-row";
    row.setAttribute("role", "group");
    const name = input("text", "plan-name", { list: "section-names", maxlength: "40", autocomplete: "off",
      placeholder: "verse" });
    const length = input("number", "plan-length", { min: "0.5", max: "300", step: "any", inputmode: "decimal",
      placeholder: "8" });
    const unit = document.createElement("select");
    unit.className = "plan-unit";
    for (const [value, text] of [["bars", "bars"], ["seconds", "seconds"]]) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = text;
      unit.append(option);
    }
    const prompt = input("text", "plan-prompt", { maxlength: "2000", placeholder: "optional" });
    const energy = input("number", "plan-energy", { min: "0", max: "1", step: "0.05", inputmode: "decimal",
      placeholder: "auto" });
    name.value = values.name || "";
    length.value = values.length || "";
    unit.value = values.unit === "seconds" ? "seconds" : "bars";
    prompt.value = values.prompt || "";
    energy.value = values.energy || "";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "ghost small plan-remove";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      numberPlanRows();
      updateDurationState();
      (next ? next.querySelector(".plan-name") : els.addSection).focus();
    });
    row.append(labelled("Name", name, id("name")), labelled("Length", length, id("length")),
      labelled("Unit", unit, id("unit")), labelled("Section prompt", prompt, id("prompt")),
      labelled("Energy (0-1)", energy, id("energy")), remove);
    els.planRows.append(row);
    numberPlanRows();
    updateDurationState();
    return row;
  }

  function numberPlanRows() {
    [...els.planRows.children].forEach((row, i) => {
      row.setAttribute("aria-label", `Section ${i + 1}`);
      row.querySelector(".plan-remove").setAttribute("aria-label", `Remove section ${i + 1}`);
    });
  }

  /* With a section plan the piece's length follows from it (a duration sent as well answers 400). */
  function updateDurationState() {
    const planned = isComposerModel() && planRowValues().length > 0;
    els.duration.disabled = planned;
    els.duration.title = planned ? "The sections set the length." : "";
  }

  function restoreShape(saved) {
    const shape = saved || {};
    els.chords.value = shape.chords || "";
    els.timeSignature.value = shape.time_signature || "";
    els.instruments.value = shape.instruments || "";
    els.sheetMusicOn.checked = shape.sheet_music !== false;
    els.planRows.replaceChildren();
    for (const row of shape.sections || []) addPlanRow(row);
    if (!els.planRows.children.length) addPlanRow();
    if (shape.chords || shape.time_signature || shape.instruments || (shape.sections || []).length) {
      els.shape.open = true;
    }
    updateDurationState();
  }

  async function submit() {
    clearError();
    const { body, shape, error, field } = readForm();
    if (error) {
      showError(error);
      field.focus();
      return;
    }
    if (!getKey()) {
      view.pendingSubmit = true;
      openKeyDialog();
      return;
    }
    writeStore(SETTINGS_STORE, {
      model: body.model, format: body.output_format, duration: body.duration ?? Number(els.duration.value),
    });
    els.generate.disabled = true;
    els.generate.textContent = "Generating…";
    showNow();
    els.result.hidden = true;
    setStatus("Sending…", null);
    try {
      const { data } = await api("POST", API_PATH, { body });
      remember(data, {
        prompt: body.prompt, negative_prompt: body.negative_prompt || "", model: body.model,
        seed: body.seed ?? null, duration: body.duration ?? null, bpm: body.bpm ?? null, key: body.key || "",
        loop: !!body.loop, output_format: body.output_format, shape: shape || null,
      });
    } catch (err) {
      setStatus("", null);
      showError(describeError(err), { offerKey: err instanceof ApiError && err.status === 401 });
    } finally {
      els.generate.disabled = false;
      els.generate.textContent = "Generate";
    }
  }

  /* A generation just created: into the history, then followed in the Now card. */
  function remember(data, fields) {
    const entry = {
      id: data.id, ...fields, seed: Number.isInteger(data.seed) ? data.seed : fields.seed,
      status: data.status || "queued", created: Date.now(),
    };
    saveHistory([entry, ...loadHistory().filter((e) => e.id !== entry.id)]);
    renderHistory();
    follow(entry.id, data, { listen: true });
  }

  /* Stop following the generation in the Now card: the poll loop ends at its next step, the event stream at once. */
  function stopFollowing() {
    if (view.stream) view.stream.abort();
    view.stream = null;
    stopListening();
    return ++view.pollToken;
  }

  /* Show generation `id` in the Now card and follow it until final. `first` is an answer already in hand. With
   * `listen` (a generation the user just started or opened) a running generation is heard over its audio stream. */
  async function follow(id, first, { listen = false } = {}) {
    const token = stopFollowing();
    view.id = id;
    view.startedAt = performance.now();
    view.last = first ? { status: "queued", ...first } : { status: "queued" };
    clearError();
    showNow();
    els.result.hidden = true;
    resetPlayer();
    resetComposerViews();
    renderProgress(view.last);
    startTicking();
    if (!first || ACTIVE.has(first.status)) {
      if (listen) listenWhileRendering(id, token);
      const controller = new AbortController();
      view.stream = controller;
      await watchEvents(id, token, controller.signal);
      if (token !== view.pollToken) return;
      if (view.stream === controller) view.stream = null;
    }
    // After the final event this GET is the one request that fetches the file links; where the stream was
    // unavailable it polls until the generation ends. A generation gone meanwhile is reported by it (404).
    await poll(id, token, Boolean(first));
  }

  /* GET the generation until its status is final, then show it. */
  async function poll(id, token, timed) {
    let delay = POLL_FIRST_MS;
    let failures = 0;
    while (token === view.pollToken) {
      let answer;
      try {
        answer = await api("GET", API_PATH, { query: { generation_id: id } });
        failures = 0;
      } catch (err) {
        if (token !== view.pollToken) return;
        if (err instanceof ApiError && RETRYABLE.has(err.status) && failures < 20) {
          failures += 1;
          setStatus(`Waiting for the server… (${describeError(err)})`, null);
          await sleep(Math.max(delay, (err.retryAfter || 0) * 1000));
          delay = Math.min(delay * 1.5, POLL_MAX_MS * 2);
          continue;
        }
        stopTicking();
        setStatus("", null);
        els.cancelRow.hidden = true;
        if (err instanceof ApiError && err.status === 404) updateHistory(id, { status: "gone" });
        showError(describeError(err), { offerKey: err instanceof ApiError && err.status === 401 });
        return;
      }
      if (token !== view.pollToken) return;
      const gen = answer.data;
      showState(id, gen);
      if (!ACTIVE.has(gen.status)) {
        await finish(gen, token, timed);
        return;
      }
      await sleep(Math.max(delay, (answer.retryAfter || 0) * 1000));
      delay = Math.min(delay * 1.4, POLL_MAX_MS);
    }
  }

  /* A new state of generation `id` (from the stream or a GET): the Now card and the history follow it. */
  function showState(id, gen) {
    view.last = gen;
    updateHistory(id, { status: gen.status, seed: Number.isInteger(gen.seed) ? gen.seed : undefined });
    renderProgress(gen);
  }

  // -- event stream ---------------------------------------------------------------------------------------------

  /* Read the events of generation `id` until its final status, showing each state. Resolves once that event has
   * come, or the generation is gone, or the stream could not be opened, or it dropped more than STREAM_RECONNECTS
   * times (each time resumed from the last event id): in every case the caller's GET takes over. Resolves early,
   * quietly, when `token` goes stale or `signal` aborts (another generation, or this one canceled). */
  async function watchEvents(id, token, signal) {
    const parser = new EventStreamParser();
    let retryMs = STREAM_RETRY_MS;
    for (let attempt = 0; attempt <= STREAM_RECONNECTS; attempt += 1) {
      if (attempt > 0) {
        await sleep(retryMs);
        if (token !== view.pollToken || signal.aborted) return;
      }
      const reader = await openEvents(id, parser.lastEventId, signal);
      if (!reader || token !== view.pollToken) {
        if (reader) reader.cancel().catch(() => {});
        return;
      }
      const decoder = new TextDecoder();
      parser.reset();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (token !== view.pollToken) return;
          if (done) break;
          for (const event of parser.push(decoder.decode(value, { stream: true }))) {
            if (handleEvent(id, event) === "end") {
              reader.cancel().catch(() => {});
              return;
            }
          }
          if (parser.retry !== null) retryMs = Math.min(parser.retry, STREAM_RETRY_MAX_MS);
        }
      } catch (_) {
        if (token !== view.pollToken || signal.aborted) return;
        // The connection broke mid-stream: resume it below.
      }
    }
  }

  /* Open the event stream; the reader of its body, or null when it cannot be read (the caller polls instead). */
  async function openEvents(id, lastEventId, signal) {
    const url = new URL(EVENTS_PATH, window.location.origin);
    url.searchParams.set("generation_id", id);
    const headers = { Accept: "text/event-stream" };
    const key = getKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    let response;
    try {
      response = await fetch(url, { headers, cache: "no-store", signal });
    } catch (_) {
      return null;
    }
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("text/event-stream") || !response.body
        || typeof response.body.getReader !== "function") {
      if (response.body) response.body.cancel().catch(() => {});
      return null;
    }
    return response.body.getReader();
  }

  /* One event of the stream: a state of the generation (unnamed events) or `gone`. Returns "end" once nothing
   * more is to be read from the stream. */
  function handleEvent(id, event) {
    if (event.type === "gone") return "end";
    if (event.type !== "message") return null;
    let gen;
    try { gen = JSON.parse(event.data); } catch (_) { return null; }
    if (!gen || typeof gen !== "object" || typeof gen.status !== "string" || (gen.id && gen.id !== id)) return null;
    showState(id, gen);
    return ACTIVE.has(gen.status) ? null : "end";
  }

  /* The text/event-stream format, fed in pieces as they arrive: a piece may end anywhere (inside a line, between
   * the CR and LF of a line end). Lines end in CRLF, LF or CR; a blank line dispatches the event gathered so far;
   * `data:` lines join with "\n"; lines starting with ":" are comments; `id:` is kept across events (and across
   * reconnections, for Last-Event-ID), `retry:` too. */
  class EventStreamParser {
    constructor() {
      this.lastEventId = "";
      this.retry = null;
      this.reset();
    }

    /* A new connection: no partial line or event carries over from the last one. */
    reset() {
      this.buffer = "";
      this.type = "";
      this.data = [];
    }

    push(text) {
      const events = [];
      const buffer = this.buffer + text;
      let start = 0;
      for (;;) {
        const cr = buffer.indexOf("\r", start);
        const lf = buffer.indexOf("\n", start);
        if (cr === -1 && lf === -1) break;
        let end;
        let next;
        if (cr !== -1 && (lf === -1 || cr < lf)) {
          if (cr === buffer.length - 1) break; // a CR last: wait to see whether an LF follows
          end = cr;
          next = buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
        } else {
          end = lf;
          next = lf + 1;
        }
        const event = this.line(buffer.slice(start, end));
        if (event) events.push(event);
        start = next;
      }
      this.buffer = buffer.slice(start);
      return events;
    }

    line(line) {
      if (line === "") {
        const event = this.data.length ? { type: this.type || "message", data: this.data.join("\n"),
          id: this.lastEventId } : null;
        this.type = "";
        this.data = [];
        return event;
      }
      if (line[0] === ":") return null; // a comment, e.g. the server's keep-alive
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") this.type = value;
      else if (field === "data") this.data.push(value);
      else if (field === "id") { if (!value.includes("\0")) this.lastEventId = value; }
      else if (field === "retry") { if (/^[0-9]+$/.test(value)) this.retry = Number(value); }
      return null;
    }
  }

  /* Show a generation that has ended: the player when completed, otherwise why it has no audio. */
  async function finish(gen, token, timed) {
    stopTicking();
    if (gen.status === "completed") {
      const took = ((performance.now() - view.startedAt) / 1000).toFixed(1);
      setStatus(timed ? `Completed in ${took} s` : "Completed", null);
      await showResult(gen, token);
    } else if (gen.status === "canceled") {
      stopListening(); // what the stream had sent of a canceled track is not played on
      setStatus("Canceled · credits refunded", null);
    } else {
      stopListening();
      const reason = gen.error ? `${gen.error.message} (${gen.error.name})` : `status ${gen.status}`;
      setStatus("Failed", null);
      showError(`The generation failed: ${reason}`);
    }
  }

  /* Cancel the generation in the Now card. The answer is final (canceled, or how it had already ended), so the
   * event stream or poll loop is stopped and the answer shown at once rather than on its next event or poll. */
  async function cancelShown() {
    const id = view.id;
    if (!id || !view.last || !ACTIVE.has(view.last.status)) return;
    els.cancel.disabled = true;
    try {
      const { data } = await api("DELETE", API_PATH, { query: { generation_id: id } });
      if (id !== view.id || !data) return;
      const token = stopFollowing();
      view.last = data;
      updateHistory(id, { status: data.status });
      renderProgress(data);
      if (!ACTIVE.has(data.status)) await finish(data, token, false);
    } catch (err) {
      if (id !== view.id) return;
      showError(describeError(err), { offerKey: err instanceof ApiError && err.status === 401 });
    } finally {
      els.cancel.disabled = false;
    }
  }

  const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

  // -- audio stream: the track heard while it renders -------------------------------------------------------------

  /* Where the samples of a WAV start, once its header has arrived: {offset, channels, rate} for 16-bit PCM, null
   * while more bytes are needed, or {error} for anything else. The data chunk's size is not read: a stream written
   * before its length is known leaves it open. */
  function readWavHeader(bytes) {
    const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tag = (at) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
    if (bytes.length < 12) return null;
    if (tag(0) !== "RIFF" || tag(8) !== "WAVE") return { error: "not a WAV stream" };
    let at = 12;
    let format = null;
    while (at + 8 <= bytes.length) {
      const id = tag(at);
      const size = data.getUint32(at + 4, true);
      if (id === "data") {
        if (!format) return { error: "no format before the samples" };
        return { offset: at + 8, ...format };
      }
      if (at + 8 + size > bytes.length) return bytes.length > 65536 ? { error: "header too long" } : null;
      if (id === "fmt ") {
        const encoding = data.getUint16(at + 8, true);
        const channels = data.getUint16(at + 10, true);
        const rate = data.getUint32(at + 12, true);
        const bits = data.getUint16(at + 22, true);
        // 1: PCM; 0xFFFE: WAVE_FORMAT_EXTENSIBLE (its sub-format is PCM for a 16-bit stream).
        if ((encoding !== 1 && encoding !== 0xFFFE) || bits !== 16 || channels < 1 || channels > 8 || !rate) {
          return { error: `unsupported WAV format (${encoding}, ${bits} bits)` };
        }
        format = { channels, rate };
      }
      at += 8 + size + (size % 2);
    }
    return null;
  }

  function showStreaming(state, seconds) {
    const el = els.streamIndicator;
    el.dataset.state = state;
    el.dataset.seconds = seconds.toFixed(2);
    el.hidden = state === "off";
    els.streamStop.hidden = state === "off";
    if (state === "streaming") els.streamText.textContent = `Streaming · ${seconds.toFixed(1)} s received`;
    else if (state === "ended") els.streamText.textContent = `Streamed ${seconds.toFixed(1)} s · playing to the end`;
  }

  /* Hear generation `id` while it renders: read its audio stream and schedule the PCM as it arrives. Quietly does
   * nothing where the stream cannot be had (the route missing, the generation failed, no Web Audio). */
  async function listenWhileRendering(id, token) {
    const pcm = window.OrchestrionPcm;
    if (!pcm || !pcm.supported() || typeof ReadableStream === "undefined") return;
    const listen = { controller: new AbortController(), player: null, timer: null };
    view.listen = listen;
    const url = new URL(STREAM_PATH, window.location.origin);
    url.searchParams.set("generation_id", id);
    const headers = { Accept: "audio/wav" };
    const key = getKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    let reader;
    try {
      const response = await fetch(url, { headers, cache: "no-store", signal: listen.controller.signal });
      const type = (response.headers.get("Content-Type") || "").toLowerCase();
      if (!response.ok || !/^audio\/(x-)?wave?\b/.test(type) || !response.body
          || typeof response.body.getReader !== "function") {
        // 404 (a server without the route), 409 (the generation failed): the events say what became of it. A
        // track made whole in another format (an MP3 loop, say) is heard from the player once completed.
        if (response.body) response.body.cancel().catch(() => {});
        if (view.listen === listen) view.listen = null;
        return;
      }
      reader = response.body.getReader();
    } catch (_) {
      if (view.listen === listen) view.listen = null;
      return;
    }
    let head = new Uint8Array(0);
    let player = null;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (view.listen !== listen || token !== view.pollToken) {
          reader.cancel().catch(() => {});
          return;
        }
        if (done) break;
        if (!player) {
          const joined = new Uint8Array(head.length + value.length);
          joined.set(head);
          joined.set(value, head.length);
          const header = readWavHeader(joined);
          if (header === null) {
            head = joined;
            continue;
          }
          if (header.error) {
            reader.cancel().catch(() => {});
            view.listen = null;
            return;
          }
          player = new pcm.PcmPlayer({ rate: header.rate, channels: header.channels, minFrames: STREAM_MIN_FRAMES });
          listen.player = player;
          player.push(joined.subarray(header.offset));
        } else {
          player.push(value);
        }
        if (player.framesReceived > 0) showStreaming("streaming", player.secondsReceived);
      }
    } catch (_) {
      // The connection broke or was closed by the page: what arrived still plays.
      if (view.listen !== listen) return;
    }
    if (!player) {
      view.listen = null;
      return;
    }
    player.end();
    showStreaming("ended", player.secondsReceived);
    // When the last of it has played the indicator goes; the player below replays the stored file.
    listen.timer = window.setTimeout(() => { if (view.listen === listen) stopListening(); },
      (player.queued + 0.3) * 1000);
  }

  /* Stop hearing the stream: the fetch is aborted and what is queued falls silent. */
  function stopListening() {
    const listen = view.listen;
    view.listen = null;
    if (listen) {
      listen.controller.abort();
      if (listen.player) listen.player.close();
      if (listen.timer) window.clearTimeout(listen.timer);
    }
    showStreaming("off", 0);
  }

  // -- result: player, waveform, downloads ----------------------------------------------------------------------

  function resetPlayer() {
    els.player.pause();
    els.player.removeAttribute("src");
    els.player.load();
    if (view.objectUrl) URL.revokeObjectURL(view.objectUrl);
    view.objectUrl = null;
    view.peaks = null;
    view.audioBuffer = null;
    els.player.dataset.state = "empty";
    drawWaveform();
  }

  function formatBytes(n) {
    if (!Number.isFinite(n)) return "";
    if (n < 1000) return `${n} B`;
    if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
    return `${(n / 1e6).toFixed(1)} MB`;
  }

  function downloadLink(label, file, fileName) {
    const a = document.createElement("a");
    a.className = "button";
    a.href = file.url;
    a.download = fileName || file.file_name || "";
    a.rel = "noopener";
    const size = formatBytes(file.file_size);
    a.textContent = label;
    if (size) {
      const small = document.createElement("span");
      small.className = "size";
      small.textContent = ` ${size}`;
      a.append(small);
    }
    return a;
  }

  async function showResult(gen, token) {
    const entry = loadHistory().find((e) => e.id === gen.id) || {};
    els.result.hidden = false;
    els.resultTitle.textContent = entry.prompt || gen.id;
    const facts = [];
    if (Number.isInteger(gen.seed)) facts.push(`seed ${gen.seed}`);
    if (gen.model) facts.push(gen.model);
    if (entry.duration) facts.push(`${entry.duration} s`);
    if (gen.edit && gen.edit.operation) facts.push(describeEdit(gen.edit));
    if (gen.audio_file && gen.audio_file.content_type) facts.push(gen.audio_file.content_type);
    els.resultMeta.textContent = facts.join(" · ");

    const stem = `orchestrion-${Number.isInteger(gen.seed) ? gen.seed : gen.id.slice(0, 8)}`;
    const links = [];
    if (gen.audio_file) {
      const ext = (gen.audio_file.file_name || "output.wav").split(".").pop();
      links.push(downloadLink("Download track", gen.audio_file, `${stem}.${ext}`));
    }
    if (gen.midi_file) links.push(downloadLink("Download MIDI", gen.midi_file, `${stem}.mid`));
    const stems = (gen.stems || []).map((part) => {
      const name = part.name || (part.file_name || "stem").replace(/\.[^.]+$/, "");
      const ext = (part.file_name || "stem.wav").split(".").pop();
      const link = downloadLink(name.replace(/[_-]+/g, " "), part, `${stem}-${name}.${ext}`);
      link.setAttribute("aria-label", `Download stem: ${name.replace(/[_-]+/g, " ")} ${formatBytes(part.file_size)}`);
      return link;
    });
    els.downloads.replaceChildren(...links);
    if (stems.length) {
      const group = document.createElement("div");
      group.className = "stems";
      group.setAttribute("role", "group");
      group.setAttribute("aria-labelledby", "stems-label");
      const label = document.createElement("span");
      label.id = "stems-label";
      label.className = "stems-label";
      label.textContent = `Stems (${stems.length})`;
      group.append(label, ...stems);
      els.downloads.append(group);
    }
    view.shown = gen;
    renderTimeline(gen, estimateLength(gen, entry));
    renderEdit(gen);
    renderSheet(gen);
    if (!gen.audio_file) {
      showError("The server finished but linked no audio file.");
      return;
    }
    await loadAudio(gen.audio_file.url, token);
    if (token !== view.pollToken) return;
    // Now the track's true length is known: the last section ends there.
    const length = els.player.duration || (view.audioBuffer ? view.audioBuffer.duration : 0);
    if (Number.isFinite(length) && length > 0) renderTimeline(gen, length);
  }

  // -- composer results: timeline of the plan, edits, sheet music ----------------------------------------------

  function describeEdit(edit) {
    const source = typeof edit.generation_id === "string" ? ` of ${edit.generation_id.slice(0, 8)}` : "";
    const at = (x) => (Number.isFinite(Number(x)) ? clock(Number(x)) : "?");
    switch (edit.operation) {
      case "extend": return `extended${source} from ${at(edit.seam)}`;
      case "repaint": return `${at(edit.start)}–${at(edit.end)} regenerated${source}`;
      case "remix": return `remix${source}`;
      default: return `${edit.operation}${source}`;
    }
  }

  function clock(seconds) {
    const s = Math.max(0, seconds);
    const m = Math.floor(s / 60);
    const rest = s - m * 60;
    const whole = Math.floor(rest);
    const tenth = Math.floor((rest - whole) * 10);
    return `${m}:${String(whole).padStart(2, "0")}${tenth ? `.${tenth}` : ""}`;
  }

  function planSections(gen) {
    const plan = gen && gen.plan;
    const list = plan && Array.isArray(plan.sections) ? plan.sections : [];
    return list.filter((s) => s && Number.isFinite(Number(s.start)))
      .map((s) => ({ name: String(s.name || "section"), start: Number(s.start), bars: Number(s.bars) || 0,
        chords: Array.isArray(s.chords) ? s.chords.map(String) : [] }))
      .sort((a, b) => a.start - b.start);
  }

  /* The track's length before its audio is decoded: the plan's bars at the tempo its starts imply. */
  function estimateLength(gen, entry) {
    const sections = planSections(gen);
    if (!sections.length) return 0;
    const last = sections[sections.length - 1];
    const barsBefore = sections.slice(0, -1).reduce((sum, s) => sum + s.bars, 0);
    if (barsBefore > 0 && last.start > sections[0].start) {
      return last.start + last.bars * ((last.start - sections[0].start) / barsBefore);
    }
    return Math.max(last.start + 1, Number(entry && entry.duration) || 0);
  }

  /* The plan as blocks as wide as their sections last (a section ends where the next starts, the last at the end of
   * the track), each with its chords spread evenly over it: the plan lists one chord per chord change. */
  function renderTimeline(gen, trackLength) {
    const sections = planSections(gen);
    const total = Math.max(trackLength || 0, sections.length ? sections[sections.length - 1].start + 0.001 : 0);
    view.spans = sections.map((s, i) => ({ ...s, end: i + 1 < sections.length ? sections[i + 1].start : total }));
    view.total = total;
    els.timeline.hidden = view.spans.length === 0;
    els.timelineSections.replaceChildren(...view.spans.map((span, i) => {
      const li = document.createElement("li");
      li.className = "tl-section";
      li.style.flexGrow = String(Math.max(0.001, span.end - span.start));
      li.dataset.start = String(span.start);
      li.dataset.end = String(span.end);
      li.setAttribute("aria-label", `${span.name}, ${clock(span.start)} to ${clock(span.end)}`);
      if (i === view.repaintIndex) li.classList.add("selected");
      const head = document.createElement("div");
      head.className = "tl-head";
      const name = document.createElement("span");
      name.className = "tl-name";
      name.textContent = span.name;
      name.title = `${span.name} · ${clock(span.start)}–${clock(span.end)} · ${span.bars} bars`;
      const redo = document.createElement("button");
      redo.type = "button";
      redo.className = "tl-redo";
      redo.textContent = "↻";
      redo.title = "Regenerate this section";
      const when = `${clock(span.start)}–${clock(span.end)}`;
      redo.setAttribute("aria-label", `Regenerate this section: ${span.name} (${when})`);
      redo.addEventListener("click", () => openRepaint(i));
      head.append(name, redo);
      const chords = document.createElement("ol");
      chords.className = "tl-chords";
      chords.setAttribute("aria-label", `Chords of ${span.name}`);
      chords.append(...span.chords.map((symbol) => {
        const chord = document.createElement("li");
        chord.textContent = symbol;
        chord.title = symbol;
        return chord;
      }));
      li.append(head, chords);
      return li;
    }));
    if (view.repaintIndex >= view.spans.length) closeRepaint();
    movePlayhead();
  }

  function movePlayhead() {
    if (els.timeline.hidden || !view.total) return;
    const at = Math.max(0, Math.min(1, (els.player.currentTime || 0) / view.total));
    els.playhead.style.left = `${(at * 100).toFixed(3)}%`;
  }

  function openRepaint(index) {
    const span = view.spans[index];
    if (!span) return;
    view.repaintIndex = index;
    [...els.timelineSections.children].forEach((li, i) => li.classList.toggle("selected", i === index));
    els.repaintTitle.textContent = `Regenerate “${span.name}”, ${clock(span.start)}–${clock(span.end)}`;
    hideMessage(els.repaintError);
    els.repaintForm.hidden = false;
    els.repaintPrompt.focus();
  }

  function closeRepaint() {
    view.repaintIndex = -1;
    els.repaintForm.hidden = true;
    hideMessage(els.repaintError);
    [...els.timelineSections.children].forEach((li) => li.classList.remove("selected"));
  }

  function renderEdit(gen) {
    els.edit.hidden = !(gen.plan && typeof gen.plan === "object");
    hideMessage(els.extendError);
    hideMessage(els.remixError);
  }

  function showMessage(el, message) {
    el.textContent = message;
    el.hidden = false;
  }

  function hideMessage(el) {
    el.hidden = true;
    el.textContent = "";
  }

  function resetComposerViews() {
    view.shown = null;
    view.spans = [];
    view.total = 0;
    closeRepaint();
    els.repaintPrompt.value = "";
    els.timeline.hidden = true;
    els.timelineSections.replaceChildren();
    els.edit.hidden = true;
    els.sheet.hidden = true;
    els.sheetImage.removeAttribute("src");
    view.sheet = { pages: {}, kind: "lead_sheet", index: 0 };
  }

  /* POST an edit of the shown generation; the answer is followed like any new generation. Errors are shown beside
   * the action that was asked for. */
  async function startEdit(button, errorEl, edit, label) {
    const gen = view.shown;
    if (!gen) return;
    hideMessage(errorEl);
    const entry = loadHistory().find((e) => e.id === gen.id) || {};
    const body = { model: gen.model || entry.model || els.model.value, ...edit };
    body.output_format = entry.output_format || "wav";
    if (els.sheetMusicOn.checked) body.sheet_music = true; // an edit engraves its score when asked, as a track does
    button.disabled = true;
    try {
      const { data } = await api("POST", API_PATH, { body });
      if (view.shown !== gen) return;
      remember(data, {
        prompt: label(entry.prompt || gen.id), negative_prompt: "", model: body.model, seed: null, duration: null,
        bpm: null, key: "", loop: false, output_format: body.output_format, shape: null,
        edit: { operation: Object.keys(edit).find((k) => k !== "prompt"), generation_id: gen.id },
      });
    } catch (err) {
      showMessage(errorEl, describeError(err));
    } finally {
      button.disabled = false;
    }
  }

  function extendShown(event) {
    event.preventDefault();
    const seconds = Number(els.extendSeconds.value);
    if (els.extendSeconds.value === "" || !Number.isFinite(seconds) || seconds < 5 || seconds > 300) {
      showMessage(els.extendError, "Seconds to add must be between 5 and 300.");
      els.extendSeconds.focus();
      return;
    }
    startEdit(els.extendGo, els.extendError, { extend: { generation_id: view.shown.id, seconds } },
      (prompt) => `${prompt} (extended by ${seconds} s)`);
  }

  function remixShown(event) {
    event.preventDefault();
    const prompt = els.remixPrompt.value.trim();
    if (!prompt) {
      showMessage(els.remixError, "Write the style of the remix first.");
      els.remixPrompt.focus();
      return;
    }
    startEdit(els.remixGo, els.remixError, { prompt, remix: { generation_id: view.shown.id } }, () => prompt);
  }

  function repaintShown(event) {
    event.preventDefault();
    const span = view.spans[view.repaintIndex];
    if (!span || !view.shown) return;
    const repaint = {
      generation_id: view.shown.id,
      start: Math.round(span.start * 1000) / 1000,
      end: Math.floor(span.end * 1000) / 1000, // never past the source's end
    };
    const prompt = els.repaintPrompt.value.trim();
    if (prompt) repaint.prompt = prompt;
    startEdit(els.repaintGo, els.repaintError, { repaint },
      (source) => `${source} (${span.name} regenerated${prompt ? `: ${prompt}` : ""})`);
  }

  const SHEET_KINDS = { lead_sheet: "Lead sheet", score: "Full score" };

  function sheetLabel(name) {
    return SHEET_KINDS[name] || String(name || "sheet").replace(/[_-]+/g, " ");
  }

  /* The engraved pages by sheet (lead sheet, full score) and the MusicXML files as downloads. */
  function renderSheet(gen) {
    const files = Array.isArray(gen.sheet_music) ? gen.sheet_music.filter((f) => f && f.url) : [];
    const pages = {};
    for (const file of files) {
      if (file.format !== "svg") continue;
      (pages[file.name] = pages[file.name] || []).push(file);
    }
    for (const list of Object.values(pages)) list.sort((a, b) => (Number(a.page) || 0) - (Number(b.page) || 0));
    const kind = pages.lead_sheet ? "lead_sheet" : (pages.score ? "score" : "lead_sheet");
    view.sheet = { pages, kind, index: 0 };
    els.sheet.hidden = files.length === 0;
    for (const radio of els.sheet.querySelectorAll("input[name='sheet-kind']")) {
      radio.disabled = !pages[radio.value];
      radio.checked = radio.value === kind;
    }
    const stem = `orchestrion-${Number.isInteger(gen.seed) ? gen.seed : gen.id.slice(0, 8)}`;
    els.sheetDownloads.replaceChildren(...files.filter((f) => f.format === "musicxml").map((file) => {
      const ext = (file.file_name || "sheet.musicxml").split(".").pop();
      return downloadLink(`${sheetLabel(file.name)} (MusicXML)`, file, `${stem}-${file.name}.${ext}`);
    }));
    showSheetPage();
  }

  function showSheetPage() {
    const { pages, kind } = view.sheet;
    const list = pages[kind] || [];
    const count = list.length;
    view.sheet.index = Math.max(0, Math.min(view.sheet.index, count - 1));
    const index = view.sheet.index;
    els.sheetPrev.disabled = index <= 0;
    els.sheetNext.disabled = index >= count - 1;
    els.sheetPrev.parentElement.hidden = count === 0;
    if (!count) {
      els.sheetImage.hidden = true;
      els.sheetImage.removeAttribute("src");
      els.sheetPage.textContent = "";
      els.sheetNone.textContent = "No engraved pages: download the MusicXML below.";
      els.sheetNone.hidden = false;
      return;
    }
    els.sheetNone.hidden = true;
    els.sheetImage.hidden = false;
    els.sheetPage.textContent = `Page ${index + 1} of ${count}`;
    els.sheetImage.alt = `${sheetLabel(kind)}, page ${index + 1} of ${count}`;
    // Load the page only once the viewer is open: the pages are fetched on demand.
    if (els.sheet.open && els.sheetImage.getAttribute("src") !== list[index].url) {
      els.sheetImage.dataset.state = "loading";
      els.sheetImage.src = list[index].url;
    }
  }

  /* Fetch the track once: the player gets a blob URL of the bytes, WebAudio decodes the same bytes. */
  async function loadAudio(url, token) {
    els.player.dataset.state = "loading";
    let bytes;
    let contentType = "";
    try {
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) {
        let message = response.statusText;
        try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
        throw new Error(`the file link answered ${response.status}: ${message}`);
      }
      contentType = response.headers.get("Content-Type") || "";
      bytes = await response.arrayBuffer();
    } catch (err) {
      if (token !== view.pollToken) return;
      els.player.dataset.state = "error";
      showError(`Could not load the track: ${err.message}`);
      return;
    }
    if (token !== view.pollToken) return; // another generation was opened meanwhile
    view.objectUrl = URL.createObjectURL(new Blob([bytes], contentType ? { type: contentType } : undefined));
    const metadata = new Promise((resolve) => {
      els.player.addEventListener("loadedmetadata", resolve, { once: true });
      els.player.addEventListener("error", resolve, { once: true });
    });
    els.player.src = view.objectUrl;
    try {
      // An OfflineAudioContext decodes without needing a user gesture (autoplay rules do not apply).
      const ctx = new OfflineAudioContext(1, 1, 48000);
      const decoded = await ctx.decodeAudioData(bytes.slice(0));
      if (token !== view.pollToken) return;
      view.audioBuffer = decoded;
      computePeaks();
    } catch (_) {
      view.audioBuffer = null; // e.g. a codec this browser cannot decode; the player may still play it
    }
    drawWaveform();
    await metadata;
    if (token !== view.pollToken) return;
    // "ready" once the player knows the duration and the waveform is drawn (tests and screen readers rely on it).
    els.player.dataset.state = els.player.error ? "error" : "ready";
    drawWaveform();
  }

  function computePeaks() {
    const buffer = view.audioBuffer;
    if (!buffer) return;
    const width = Math.max(1, Math.floor(els.waveform.clientWidth || 600));
    const channels = [];
    for (let c = 0; c < buffer.numberOfChannels; c += 1) channels.push(buffer.getChannelData(c));
    const per = Math.max(1, Math.floor(buffer.length / width));
    const peaks = new Float32Array(width * 2);
    for (let x = 0; x < width; x += 1) {
      let lo = 0;
      let hi = 0;
      const start = x * per;
      const end = Math.min(buffer.length, start + per);
      for (const data of channels) {
        for (let i = start; i < end; i += 1) {
          const v = data[i];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      peaks[2 * x] = lo;
      peaks[2 * x + 1] = hi;
    }
    view.peaks = peaks;
  }

  function drawWaveform() {
    const canvas = els.waveform;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.floor(canvas.clientWidth || 600));
    const height = Math.max(1, Math.floor(canvas.clientHeight || 96));
    if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
      canvas.width = width * ratio;
      canvas.height = height * ratio;
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const styles = getComputedStyle(canvas);
    const played = styles.getPropertyValue("--wave-played").trim() || "#6d4aff";
    const rest = styles.getPropertyValue("--wave").trim() || "#b9aef5";
    const mid = height / 2;
    if (!view.peaks || view.peaks.length / 2 !== width) {
      if (view.audioBuffer) computePeaks();
    }
    if (!view.peaks) {
      g.fillStyle = rest;
      g.fillRect(0, mid, width, 1);
      return;
    }
    const duration = els.player.duration || (view.audioBuffer ? view.audioBuffer.duration : 0);
    const playhead = duration ? (els.player.currentTime / duration) * width : 0;
    movePlayhead();
    const columns = view.peaks.length / 2;
    for (let x = 0; x < columns; x += 1) {
      const lo = view.peaks[2 * x];
      const hi = view.peaks[2 * x + 1];
      const top = mid - hi * mid * 0.95;
      const bottom = mid - lo * mid * 0.95;
      g.fillStyle = x < playhead ? played : rest;
      g.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  }

  function animatePlayhead() {
    drawWaveform();
    if (!els.player.paused) window.requestAnimationFrame(animatePlayhead);
  }

  // -- history --------------------------------------------------------------------------------------------------

  function timeAgo(ms) {
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) return "just now";
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return new Date(ms).toLocaleDateString();
  }

  function renderHistory() {
    const list = loadHistory();
    els.historyEmpty.hidden = list.length > 0;
    els.clearHistory.hidden = list.length === 0;
    els.history.replaceChildren(...list.map((entry) => {
      const li = document.createElement("li");
      li.className = `history-item status-${entry.status || "unknown"}`;
      if (entry.id === view.id) li.setAttribute("aria-current", "true");
      const open = document.createElement("button");
      open.type = "button";
      open.className = "history-open";
      open.textContent = entry.prompt || entry.id;
      open.title = "Open this generation";
      open.addEventListener("click", () => openEntry(entry.id));
      const meta = document.createElement("span");
      meta.className = "meta";
      const bits = [entry.status || "unknown", timeAgo(entry.created || Date.now())];
      if (Number.isInteger(entry.seed)) bits.push(`seed ${entry.seed}`);
      if (entry.model) bits.push(entry.model);
      meta.textContent = bits.join(" · ");
      const reuse = document.createElement("button");
      reuse.type = "button";
      reuse.className = "ghost small";
      reuse.textContent = "Reuse settings";
      reuse.setAttribute("aria-label", `Reuse the settings of “${(entry.prompt || "").slice(0, 60)}”`);
      reuse.addEventListener("click", () => reuseEntry(entry));
      li.append(open, meta, reuse);
      return li;
    }));
  }

  function openEntry(id) {
    follow(id, null, { listen: true });
    renderHistory();
    els.now.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function reuseEntry(entry) {
    els.prompt.value = entry.prompt || "";
    els.negative.value = entry.negative_prompt || "";
    if (entry.model && [...els.model.options].some((o) => o.value === entry.model)) els.model.value = entry.model;
    const hasSeed = Number.isInteger(entry.seed);
    els.seedRandom.checked = !hasSeed;
    els.seed.disabled = !hasSeed;
    els.seed.value = hasSeed ? String(entry.seed) : "";
    els.duration.value = entry.duration || 30;
    els.bpm.value = entry.bpm ?? "";
    els.key.value = entry.key || "";
    els.loop.checked = !!entry.loop;
    els.format.value = entry.output_format || "wav";
    showShape();
    restoreShape(entry.shape);
    els.prompt.focus();
  }

  // -- API key dialog -------------------------------------------------------------------------------------------

  function renderKeyButton() {
    const key = getKey();
    els.keyButton.textContent = key ? `API key …${key.slice(-4)}` : "Set API key";
    els.keyButton.classList.toggle("warn", !key);
  }

  function openKeyDialog() {
    els.keyInput.value = getKey();
    els.keyError.hidden = true;
    if (typeof els.keyDialog.showModal === "function") els.keyDialog.showModal();
    else els.keyDialog.setAttribute("open", "");
    els.keyInput.focus();
  }

  function closeKeyDialog() {
    if (els.keyDialog.open) els.keyDialog.close();
    view.pendingSubmit = false;
    els.keyButton.focus();
  }

  function saveKey(event) {
    event.preventDefault();
    const key = els.keyInput.value.trim();
    if (!key) {
      els.keyError.textContent = "Paste your API key, or press Cancel.";
      els.keyError.hidden = false;
      els.keyInput.focus();
      return;
    }
    writeStore(KEY_STORE, key);
    renderKeyButton();
    const resume = view.pendingSubmit;
    if (els.keyDialog.open) els.keyDialog.close();
    view.pendingSubmit = false;
    if (resume) submit();
    else els.prompt.focus();
  }

  // -- models and static choices --------------------------------------------------------------------------------

  async function loadModels() {
    const remembered = readStore(SETTINGS_STORE, {}) || {};
    try {
      const { data } = await api("GET", "/v1/models");
      const models = (data && Array.isArray(data.data)) ? data.data : [];
      if (!models.length) return;
      const current = remembered.model || els.model.value;
      els.model.replaceChildren(...models.map((m) => {
        const option = document.createElement("option");
        option.value = m.id;
        option.textContent = m.id;
        if (m.alias_of) option.dataset.aliasOf = m.alias_of;
        if (m.engine) option.dataset.engine = m.engine;
        if (m.available === false) {
          option.disabled = true;
          option.textContent += " — unavailable";
        }
        return option;
      }));
      const pick = models.find((m) => m.id === current && m.available !== false)
        || models.find((m) => m.id === "google/lyria2" && m.available !== false)
        || models.find((m) => m.available !== false);
      if (pick) els.model.value = pick.id;
      describeModel();
      showShape();
    } catch (_) {
      /* The default option stays; generation will report what is wrong. */
    }
    if (remembered.format) els.format.value = remembered.format;
    if (remembered.duration) els.duration.value = remembered.duration;
  }

  function describeModel() {
    const option = els.model.selectedOptions[0];
    const alias = option && option.dataset.aliasOf;
    els.modelHint.textContent = alias ? `Served by ${alias}.` : "";
  }

  function fillKeys() {
    const options = [];
    for (const mode of ["major", "minor"]) {
      for (const note of NOTES) {
        const option = document.createElement("option");
        option.value = `${note} ${mode}`;
        options.push(option);
      }
    }
    els.keys.replaceChildren(...options);
  }

  // -- wiring ---------------------------------------------------------------------------------------------------

  function init() {
    fillKeys();
    addPlanRow();
    showShape();
    renderKeyButton();
    renderHistory();
    loadModels();

    els.form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
    els.prompt.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        els.form.requestSubmit();
      }
    });
    els.seedRandom.addEventListener("change", () => {
      els.seed.disabled = els.seedRandom.checked;
      if (!els.seedRandom.checked) {
        if (els.seed.value === "") els.seed.value = String(Math.floor(Math.random() * 4294967296));
        els.seed.focus();
      }
    });
    els.model.addEventListener("change", () => { describeModel(); showShape(); });
    els.addSection.addEventListener("click", () => addPlanRow().querySelector(".plan-name").focus());
    els.planRows.addEventListener("input", updateDurationState);
    els.extendForm.addEventListener("submit", extendShown);
    els.remixForm.addEventListener("submit", remixShown);
    els.repaintForm.addEventListener("submit", repaintShown);
    els.repaintCancel.addEventListener("click", () => {
      const redo = els.timelineSections.children[view.repaintIndex];
      closeRepaint();
      if (redo) redo.querySelector(".tl-redo").focus();
    });
    els.repaintForm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") els.repaintCancel.click();
    });
    els.sheet.addEventListener("toggle", showSheetPage);
    for (const radio of els.sheet.querySelectorAll("input[name='sheet-kind']")) {
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        view.sheet.kind = radio.value;
        view.sheet.index = 0;
        showSheetPage();
      });
    }
    els.sheetPrev.addEventListener("click", () => { view.sheet.index -= 1; showSheetPage(); });
    els.sheetNext.addEventListener("click", () => { view.sheet.index += 1; showSheetPage(); });
    els.sheetImage.addEventListener("load", () => { els.sheetImage.dataset.state = "ready"; });
    els.sheetImage.addEventListener("error", () => {
      if (!els.sheetImage.getAttribute("src")) return;
      els.sheetImage.dataset.state = "error";
      els.sheetNone.textContent =
        "This page could not be loaded (its link may have expired: open the generation again).";
      els.sheetNone.hidden = false;
    });
    els.keyButton.addEventListener("click", openKeyDialog);
    els.cancel.addEventListener("click", cancelShown);
    els.keyForm.addEventListener("submit", saveKey);
    els.keyCancel.addEventListener("click", closeKeyDialog);
    els.keyForget.addEventListener("click", () => {
      writeStore(KEY_STORE, null);
      renderKeyButton();
      els.keyInput.value = "";
      els.keyInput.focus();
    });
    els.keyDialog.addEventListener("cancel", () => { view.pendingSubmit = false; });
    els.clearHistory.addEventListener("click", () => {
      saveHistory([]);
      renderHistory();
    });
    els.player.addEventListener("play", () => {
      stopListening(); // the stored file takes over from the stream
      window.requestAnimationFrame(animatePlayhead);
    });
    els.streamStop.addEventListener("click", stopListening);
    els.player.addEventListener("seeked", drawWaveform);
    els.player.addEventListener("timeupdate", () => { if (els.player.paused) drawWaveform(); });
    els.waveform.addEventListener("click", (event) => {
      const duration = els.player.duration;
      if (!duration) return;
      const rect = els.waveform.getBoundingClientRect();
      els.player.currentTime = ((event.clientX - rect.left) / rect.width) * duration;
    });
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => { view.peaks = null; drawWaveform(); }, 100);
    });

    // Pick up where the last visit left off: the newest generation, still running or done.
    const newest = loadHistory()[0];
    if (newest && getKey() && newest.status !== "gone") follow(newest.id, null);
    if (!getKey()) openKeyDialog();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
