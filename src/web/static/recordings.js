// The play page's recordings: lists the stream's recordings (GET /v1/recordings?stream=…) every
// few seconds, and plays one in a <video> straight from its download URL — the server answers
// range requests, so the browser seeks in it. A token from ?token= goes in the URL as
// access_token, since a <video> cannot send an Authorization header.
(function () {
  "use strict";
  const stream = Pipewright.streamFromPath();
  const body = document.getElementById("recordings");
  const error = document.getElementById("recordings-error");
  const video = document.getElementById("recording");
  window.pipewrightRecordings = { items: [], playing: null };

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function mediaUrl(recording) {
    const token = Pipewright.token();
    return token ? recording.url + "?access_token=" + encodeURIComponent(token) : recording.url;
  }

  function play(recording) {
    window.pipewrightRecordings.playing = recording.id;
    video.hidden = false;
    video.src = mediaUrl(recording);
    video.play().catch(() => {});
  }

  function row(recording) {
    const tr = document.createElement("tr");
    tr.dataset.recording = recording.id;
    const started = new Date(recording.startedAt || recording.createdAt).toLocaleString();
    const duration = recording.durationMs == null ? "–" : (recording.durationMs / 1000).toFixed(1) + " s";
    const size = recording.size == null ? "–" : (recording.size / 1048576).toFixed(1) + " MiB";
    const actions = document.createElement("td");
    if (recording.state !== "recording" && recording.state !== "failed") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "play-recording";
      button.textContent = "Play";
      button.addEventListener("click", () => play(recording));
      const link = document.createElement("a");
      link.href = mediaUrl(recording);
      link.download = recording.file.split("/").pop();
      link.textContent = "Download";
      actions.append(button, " ", link);
    }
    tr.append(cell(started), cell(duration), cell(recording.profile), cell(recording.state), cell(size), actions);
    return tr;
  }

  async function refresh() {
    try {
      const response = await fetch("/v1/recordings?stream=" + encodeURIComponent(stream), { headers: Pipewright.authHeaders({}) });
      if (!response.ok) throw new Error(await Pipewright.problemText(response));
      const { items } = await response.json();
      window.pipewrightRecordings.items = items;
      body.replaceChildren();
      if (items.length === 0) {
        const td = cell("No recording of " + stream + " yet.");
        td.colSpan = 6;
        td.className = "muted";
        const tr = document.createElement("tr");
        tr.append(td);
        body.append(tr);
      }
      for (const recording of items) body.append(row(recording));
      error.textContent = "";
    } catch (problem) {
      error.textContent = problem.message;
    }
  }

  refresh();
  setInterval(refresh, 3000);
})();
