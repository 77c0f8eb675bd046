// The breathcue dashboard: live state over server-sent events, today's history, and commands.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const COLOURS = {};
  for (const k of ["hold", "shallow", "rapid", "signal_lost", "session", "accent", "ink", "muted", "line"]) COLOURS[k] = css(`--${k}`);

  const dashboard = (window.dashboard = { samples: 0, live: null, timeline: null, hours: null, status: null, day: null, week: null });
  let info = { pixels: 24, wave_seconds: 30, patterns: [], snooze_minutes: 30, history: false, timezone: "" };
  const wave = { t: [], v: [] };

  // --- the ring --------------------------------------------------------------------

  let cells = [];
  function buildRing(n) {
    const svg = $("ring");
    const ns = "http://www.w3.org/2000/svg";
    svg.replaceChildren();
    const base = document.createElementNS(ns, "circle");
    base.setAttribute("r", "104");
    base.setAttribute("class", "base");
    svg.append(base);
    const r = Math.min(14, (Math.PI * 80) / n * 0.8);
    cells = [];
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * i) / n; // pixel 0 at the top, clockwise
      const c = document.createElementNS(ns, "circle");
      c.setAttribute("cx", (80 * Math.sin(a)).toFixed(2));
      c.setAttribute("cy", (-80 * Math.cos(a)).toFixed(2));
      c.setAttribute("r", r.toFixed(2));
      c.setAttribute("fill", "#000");
      svg.append(c);
      cells.push(c);
    }
  }
  // LED bytes are linear light; a screen expects sRGB, so a dim LED is shown dim, not black.
  const srgb = (b) => Math.round(255 * Math.pow(b / 255, 1 / 2.2));
  function showRing(rgb) {
    if (rgb.length !== cells.length) buildRing(rgb.length);
    rgb.forEach(([r, g, b], i) => cells[i].setAttribute("fill", `rgb(${srgb(r)},${srgb(g)},${srgb(b)})`));
  }

  // --- the state -----------------------------------------------------------------------

  const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
  const pct = (x) => (x == null ? "–" : `${Math.round(100 * x)} %`);
  // One word for one thing (figures.py): a cue is a nudge, and each kind has one name.
  const NUDGE_NAMES = { hold: "hold", shallow: "deepen", rapid: "slow down" };
  const nudgeName = (reason) => NUDGE_NAMES[reason] || reason;
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many || `${one}s`}`;
  const minutesText = (m) => `${Number(m).toFixed(1)} min`; // as figures.minutes_text
  let lastStatus = null;
  let shownReport = null;
  let shownDay = null; // null: today, following the clock
  // Local times as a person reads them: 24-hour, in the device's timezone (info.timezone) or the browser's.
  let hhmmFormat = null;
  function hhmm(epoch) {
    if (!hhmmFormat) {
      const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      try {
        hhmmFormat = new Intl.DateTimeFormat("en-GB", { ...options, timeZone: info.timezone || undefined });
      } catch (err) {
        hhmmFormat = new Intl.DateTimeFormat("en-GB", options);
      }
    }
    return hhmmFormat.format(new Date(epoch * 1000));
  }
  // "09:00", "tomorrow 00:00" or "Mon 09:00": a local ISO time from the status, said from the day of `nowIso`.
  function whenText(iso, nowIso) {
    if (!iso) return "";
    const day = iso.slice(0, 10), time = iso.slice(11, 16);
    if (!nowIso || day === nowIso.slice(0, 10)) return time;
    const [y, m, d] = nowIso.slice(0, 10).split("-").map(Number);
    const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
    if (day === next) return `tomorrow ${time}`;
    const [yy, mm, dd] = day.split("-").map(Number);
    return `${new Date(Date.UTC(yy, mm - 1, dd)).toLocaleDateString("en-GB", { weekday: "short", timeZone: "UTC" })} ${day.slice(8)}/${day.slice(5, 7)} ${time}`;
  }

  function showStatus(s) {
    dashboard.status = s;
    const state = $("state");
    state.textContent = (s.state || "–").replace("_", " ");
    state.className = `pill ${s.state || ""}`;
    $("rate").textContent = s.rate_bpm == null ? "–" : s.rate_bpm.toFixed(1);
    $("depth").textContent = s.rel_depth == null ? "–" : Math.round(100 * s.rel_depth);
    let activity = "";
    if (s.session) {
      const total = s.session.minutes ? ` / ${mmss(60 * s.session.minutes)}` : "";
      const inPace = s.session.adherence && s.session.adherence.in_pace != null ? `, in pace ${pct(s.session.adherence.in_pace)}` : "";
      activity = `Session ${s.session.pattern || ""}: ${mmss(s.session.seconds)}${total}${inPace}`;
    } else if (s.cue) {
      activity = `Nudge: ${nudgeName(s.cue.reason)}, level ${s.cue.level}, for ${Math.round(s.cue.seconds)} s`;
    }
    $("activity").textContent = activity;
    const n = s.nudges || {};
    let nudges = n.allowed === false ? `Nudges held back: ${String(n.blocked || "").replaceAll("_", " ")}` : "Nudges on";
    if (n.snoozed_until) nudges += ` · snoozed until ${whenText(n.snoozed_until, s.wall)}`;
    if (n.paused_until) nudges += ` · paused until ${whenText(n.paused_until, s.wall)}`;
    if (n.do_not_disturb_until) nudges += ` · do not disturb until ${whenText(n.do_not_disturb_until, s.wall)}`;
    for (const [kind, l] of Object.entries(n.learnt || {})) {
      nudges += ` · ${nudgeName(kind)} nudges wait ${Math.round(l.cooldown_seconds / 60)} min after one (you dismissed ${plural(l.dismissed, "time")})`;
    }
    if (n.today != null) nudges += ` · ${plural(n.today, "nudge")} today${n.max_per_day != null ? ` of ${n.max_per_day}` : ""}`;
    $("nudges").textContent = nudges;
    const newDay = lastStatus && lastStatus.wall && s.wall && lastStatus.wall.slice(0, 10) !== s.wall.slice(0, 10);
    lastStatus = s;
    if (newDay && shownDay === null) loadDay(null); // midnight: today is a new day
    showSummary();
    const pause = $("pause");
    pause.textContent = n.paused_until ? "Resume" : "Pause until next working day";
    pause.dataset.command = n.paused_until ? "resume" : "pause";
    const dnd = $("dnd");
    dnd.textContent = n.do_not_disturb_until ? "End do not disturb" : "Do not disturb";
    dnd.dataset.command = n.do_not_disturb_until ? "resume" : "do_not_disturb";
    const errors = (s.config && s.config.errors) || [];
    $("config-errors").hidden = errors.length === 0;
    $("config-errors").textContent = errors.length ? `The config has errors (the last good one runs):\n${errors.join("\n")}` : "";
    if (Array.isArray(s.recent_events) && !eventsSeeded) {
      eventsSeeded = true;
      s.recent_events.forEach(addEvent);
    }
  }

  // --- events ------------------------------------------------------------------------------

  let eventsSeeded = false;
  function describe(e) {
    switch (e.event) {
      case "hold_end": return `${Math.round(e.duration)} s`;
      case "cue_start": return `${nudgeName(e.reason)}, level ${e.level}`;
      case "cue_level": return `level ${e.level}`;
      case "cue_end": return `${nudgeName(e.reason)}: ${String(e.outcome || "").replaceAll("_", " ")}`;
      case "cue_skipped": return `${nudgeName(e.reason)} held back: ${String(e.why || "").replaceAll("_", " ")}`;
      case "cue_learnt": return `${nudgeName(e.reason)} nudges wait longer today`;
      case "do_not_disturb": return `${e.minutes} min`;
      case "session_start": return e.pattern || "";
      case "session_end": return `${e.pattern || ""} ${e.outcome || ""}${e.in_pace != null ? `, in pace ${pct(e.in_pace)}` : ""}`;
      case "snooze": return `${e.minutes} min`;
      case "signal_lost": return e.reason || "";
      case "button": return `${e.press} press: ${String(e.action).replace("_", " ")}`;
      default: return "";
    }
  }
  function addEvent(e) {
    const li = document.createElement("li");
    const time = document.createElement("time");
    time.textContent = e.wall ? e.wall.slice(11, 19) : "";
    const name = document.createElement("b");
    name.textContent = e.event.replaceAll("_", " ");
    const text = document.createElement("span");
    text.textContent = describe(e);
    li.append(time, name, text);
    const list = $("events");
    list.prepend(li);
    while (list.children.length > 50) list.lastChild.remove();
  }

  // --- charts ----------------------------------------------------------------------------------

  const axis = (extra = {}) => ({ stroke: COLOURS.muted, grid: { stroke: COLOURS.line, width: 1 }, ticks: { stroke: COLOURS.line }, ...extra });
  const widthOf = (el) => Math.max(200, el.clientWidth);
  const tzDate = () => (info.timezone ? (ts) => uPlot.tzDate(new Date(ts * 1e3), info.timezone) : undefined);

  function makeLive() {
    const el = $("wave");
    dashboard.live = new uPlot(
      {
        width: widthOf(el),
        height: 180,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: (u, lo, hi) => [hi - info.wave_seconds, hi] } },
        series: [{}, { label: "strap", stroke: COLOURS.accent, width: 2, spanGaps: false }],
        axes: [
          axis({
            splits: (u) => Array.from({ length: 7 }, (_, k) => u.scales.x.max - 5 * (6 - k)), // every 5 s back from now
            values: (u, ticks) => ticks.map((t) => `${Math.round(t - u.scales.x.max)} s`),
          }),
          axis({ size: 55 }),
        ],
      },
      [wave.t, wave.v],
      el,
    );
  }

  let drawTimer = null;
  function addWave(msg) {
    // A message may repeat the last points of the backlog sent on connecting: keep each time once.
    const after = wave.t.length ? wave.t[wave.t.length - 1] : -Infinity;
    msg.t.forEach((t, i) => {
      if (t > after) {
        wave.t.push(t);
        wave.v.push(msg.v[i]);
      }
    });
    if (!wave.t.length) return;
    const last = wave.t[wave.t.length - 1];
    let cut = 0;
    while (cut < wave.t.length && wave.t[cut] < last - info.wave_seconds) cut++;
    if (cut) {
      wave.t.splice(0, cut);
      wave.v.splice(0, cut);
    }
    dashboard.samples += msg.t.length;
    if (drawTimer === null) {
      drawTimer = setTimeout(() => {
        drawTimer = null;
        if (dashboard.live && wave.t.length) dashboard.live.setData([wave.t, wave.v]);
      }, 100);
    }
  }

  function bands(today) {
    // Episodes and sessions as shaded bands, nudges as triangles along the top.
    return (u) => {
      const { ctx, bbox } = u;
      const x = (t) => u.valToPos(t, "x", true);
      ctx.save();
      for (const e of today.timeline.episodes) {
        ctx.fillStyle = COLOURS[e.kind] || COLOURS.muted;
        ctx.globalAlpha = e.kind === "hold" ? 0.4 : 0.25;
        ctx.fillRect(x(e.start), bbox.top, Math.max(1.5, x(e.end) - x(e.start)), bbox.height);
      }
      ctx.fillStyle = COLOURS.session;
      ctx.globalAlpha = 0.18;
      for (const s of today.timeline.sessions) ctx.fillRect(x(s.start), bbox.top, Math.max(2, x(s.end || s.start + 60) - x(s.start)), bbox.height);
      ctx.globalAlpha = 1;
      const size = 5 * devicePixelRatio;
      for (const c of today.timeline.cues) {
        const cx = x(c.start);
        ctx.beginPath();
        ctx.moveTo(cx - size, bbox.top);
        ctx.lineTo(cx + size, bbox.top);
        ctx.lineTo(cx, bbox.top + 1.6 * size);
        ctx.closePath();
        ctx.fillStyle = COLOURS[c.reason] || COLOURS.ink;
        ctx.strokeStyle = ctx.fillStyle;
        c.recovered ? ctx.fill() : ctx.stroke();
      }
      ctx.restore();
    };
  }

  function dayTitle(day) {
    const today = lastStatus && lastStatus.wall ? lastStatus.wall.slice(0, 10) : null;
    const [y, m, d] = day.split("-").map(Number);
    const name = new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
    return day === today ? `Today, ${name}` : name;
  }

  function showSessions(sessions) {
    const box = $("sessions");
    box.replaceChildren();
    $("sessions-title").hidden = sessions.length === 0;
    for (const s of sessions) {
      const card = document.createElement("div");
      card.className = "session-card";
      const title = document.createElement("b");
      title.textContent = `${s.pattern || "paced"} at ${hhmm(s.start)}`;
      const rates = s.rate_before_bpm == null || s.rate_after_bpm == null ? "" :
        ` · rate ${s.rate_before_bpm.toFixed(1)} → ${s.rate_after_bpm.toFixed(1)} breaths/min`;
      const body = document.createElement("span");
      body.textContent = s.end == null ? "running now" :
        `${minutesText(s.minutes)}${s.breaths != null ? ` · ${plural(s.breaths, "breath")}` : ""}` +
        `${s.adherence != null ? ` · in pace ${pct(s.adherence)}` : ""}${rates}`;
      card.append(title, body);
      box.append(card);
    }
  }

  function showToday(today) {
    const r = today.report;
    dashboard.day = r.day;
    $("day-title").textContent = dayTitle(r.day);
    $("day-picker").value = r.day;
    $("to-today").hidden = shownDay === null;
    $("insight").textContent = today.insight || "";
    shownReport = r;
    showSummary();
    showSessions(today.timeline.sessions || []);
    // One point per minute, in its middle; a break in the line where minutes are missing.
    const m = today.timeline.minutes;
    const data = [[], [], []];
    m.time.forEach((t, i) => {
      if (i > 0 && t - m.time[i - 1] > 60) data.forEach((column, k) => column.push(k === 0 ? m.time[i - 1] + 90 : null));
      data[0].push(t + 30);
      data[1].push(m.rate_bpm[i]);
      data[2].push(m.depth_pct[i]);
    });
    const tl = $("timeline");
    dashboard.timeline && dashboard.timeline.destroy();
    dashboard.timeline = new uPlot(
      {
        width: widthOf(tl),
        height: 220,
        tzDate: tzDate(),
        legend: { show: false }, // the key is drawn under the chart; uPlot's own showed an empty "Time: --"
        scales: { x: { time: true }, rate: { auto: true }, depth: { auto: true } },
        series: [
          {},
          { label: "rate /min", scale: "rate", stroke: COLOURS.accent, width: 1.5, spanGaps: false },
          { label: "depth %", scale: "depth", stroke: "#2b9aa8", width: 1.2, spanGaps: false },
        ],
        axes: [
          axis({ label: "local time", labelSize: 18, size: 44, values: (u, ticks) => ticks.map(hhmm) }),
          axis({ scale: "rate", size: 50, label: "breaths/min", labelSize: 18 }),
          axis({ scale: "depth", side: 1, size: 50, label: "depth %", labelSize: 18, grid: { show: false } }),
        ],
        hooks: { drawClear: [bands(today)] },
      },
      data,
      tl,
    );
    const hours = Object.keys(r.holds_per_hour).map(Number);
    const hl = $("hours");
    dashboard.hours && dashboard.hours.destroy();
    dashboard.hours = new uPlot(
      {
        width: widthOf(hl),
        height: 140,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, 23.5] }, y: { range: (u, lo, hi) => [0, Math.max(3, hi)] } },
        series: [{}, { label: "holds", fill: COLOURS.hold, stroke: COLOURS.hold, paths: uPlot.paths.bars({ size: [0.8, 40] }), points: { show: false } }],
        axes: [
          axis({ values: (u, ticks) => ticks.map((t) => `${String(t).padStart(2, "0")}:00`), incrs: [1, 2, 3, 6], label: "hour of the day", labelSize: 18, size: 44 }),
          axis({ size: 50, incrs: [1, 2, 5, 10, 20, 50], label: "breath holds", labelSize: 18 }),
        ],
      },
      [hours, Object.values(r.holds_per_hour)],
      hl,
    );
  }

  // The day's figures; today's nudges are the live status's count, so the panel and the status never disagree.
  function showSummary() {
    const r = shownReport;
    if (!r) return;
    const live = lastStatus && lastStatus.nudges && lastStatus.wall && lastStatus.wall.slice(0, 10) === r.day;
    const nudges = live && lastStatus.nudges.today != null ? lastStatus.nudges.today : r.cues;
    const longest = r.longest_hold_seconds == null ? "" : ` (longest ${Math.round(r.longest_hold_seconds)} s)`;
    const rate = r.mean_rate_bpm == null ? "–" : r.mean_rate_bpm.toFixed(1);
    $("summary").textContent =
      `${plural(r.holds, "breath hold")}${longest} · ${minutesText(r.shallow_minutes)} shallow · ${rate} breaths/min · ` +
      `${plural(nudges, "nudge")}, ${r.cues_recovered} followed by recovery within 30 s · ${plural(r.sessions, "session")}` +
      (r.mean_adherence == null ? "" : `, in pace ${pct(r.mean_adherence)}`);
  }

  // The week ending with the day shown: one row a day; a click opens that day.
  function showWeek(week) {
    dashboard.week = week;
    $("week-range").textContent = `${week.from} to ${week.to}`;
    const body = $("week").tBodies[0];
    body.replaceChildren();
    for (const d of week.days) {
      const row = body.insertRow();
      row.dataset.day = d.day;
      if (d.day === dashboard.day) row.className = "shown";
      const [y, m, dd] = d.day.split("-").map(Number);
      const name = new Date(Date.UTC(y, m - 1, dd)).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", timeZone: "UTC" });
      for (const text of [name, d.holds, d.cues, d.cues ? `${d.cues_recovered}` : "–", d.session_minutes.toFixed(1)]) row.insertCell().textContent = text;
      row.addEventListener("click", () => openDay(d.day));
    }
    $("week-total").textContent =
      `${plural(week.holds, "breath hold")}, ${plural(week.cues, "nudge")} (${week.cues_recovered} followed by recovery within 30 s), ` +
      `${plural(week.sessions, "session")} (${minutesText(week.session_minutes)})`;
  }

  async function fetchJson(url) {
    const answer = await fetch(url);
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.error || answer.statusText);
    return body;
  }

  async function loadDay() {
    if (!info.history) {
      $("summary").textContent = "No history is kept (history.enabled is off).";
      $("week-card").hidden = true;
      return;
    }
    const query = shownDay ? `?day=${shownDay}` : "";
    try {
      showToday(await fetchJson(`/api/today${query}`));
    } catch (err) {
      $("summary").textContent = `No history yet: ${err.message}`;
    }
    try {
      showWeek((await fetchJson(`/api/week${query}`)).week);
    } catch (err) {
      $("week-total").textContent = `No week yet: ${err.message}`;
    }
  }

  function openDay(day) {
    const today = lastStatus && lastStatus.wall ? lastStatus.wall.slice(0, 10) : null;
    shownDay = !day || day === today ? null : day;
    loadDay();
  }
  dashboard.openDay = openDay;

  // --- commands -----------------------------------------------------------------------------------

  async function command(name, args = {}) {
    const result = $("result");
    try {
      const answer = await fetch(`/api/command/${name}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(args),
      });
      const body = await answer.json();
      result.textContent = answer.ok ? `${name.replace("_", " ")}: sent` : `${name.replace("_", " ")}: ${body.error}`;
    } catch (err) {
      result.textContent = `${name.replace("_", " ")}: ${err.message}`;
    }
  }

  function wireControls() {
    const select = $("pattern");
    for (const p of info.patterns) select.append(new Option(p, p));
    $("snooze").textContent = `Snooze ${info.snooze_minutes} min`;
    $("start").addEventListener("click", () => {
      const minutes = Number($("minutes").value);
      command("start_session", { pattern: select.value || null, minutes: minutes >= 1 ? minutes : null });
    });
    $("snooze").addEventListener("click", () => command("snooze"));
    $("cancel").addEventListener("click", () => command("cancel"));
    $("pause").addEventListener("click", (e) => command(e.target.dataset.command || "pause"));
    $("dnd").addEventListener("click", (e) => command(e.target.dataset.command || "do_not_disturb",
      e.target.dataset.command === "resume" ? {} : { minutes: Number($("dnd-minutes").value) }));
  }

  // --- live updates ---------------------------------------------------------------------------------

  function connect() {
    const source = new EventSource("/api/events");
    const pill = $("connection");
    source.onopen = () => {
      pill.textContent = "live";
      pill.className = "pill live";
    };
    source.onerror = () => {
      pill.textContent = "reconnecting";
      pill.className = "pill off";
    };
    source.addEventListener("status", (m) => showStatus(JSON.parse(m.data)));
    source.addEventListener("ring", (m) => showRing(JSON.parse(m.data)));
    source.addEventListener("wave", (m) => addWave(JSON.parse(m.data)));
    source.addEventListener("event", (m) => addEvent(JSON.parse(m.data)));
  }

  async function start() {
    try {
      info = await (await fetch("/api/info")).json();
    } catch (err) {
      $("result").textContent = `cannot reach the daemon: ${err.message}`;
    }
    $("wave-seconds").textContent = info.wave_seconds;
    buildRing(info.pixels);
    makeLive();
    wireControls();
    connect();
    $("day-picker").addEventListener("change", (e) => e.target.value && openDay(e.target.value));
    $("to-today").addEventListener("click", () => openDay(null));
    loadDay();
    setInterval(() => shownDay === null && loadDay(), 60000);
    addEventListener("resize", () => {
      for (const [chart, id] of [[dashboard.live, "wave"], [dashboard.timeline, "timeline"], [dashboard.hours, "hours"]]) {
        if (chart) chart.setSize({ width: widthOf($(id)), height: chart.height });
      }
    });
  }

  start();
})();
