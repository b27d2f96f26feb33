// The index page: polls /v1/streams and lists live streams with their viewer counts.
(function () {
  "use strict";
  const body = document.getElementById("streams");
  const error = document.getElementById("error");
  document.getElementById("whip-url").textContent = location.origin + "/whip/<stream>";

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  async function refresh() {
    try {
      const response = await fetch("/v1/streams", { headers: Pipewright.authHeaders({}) });
      if (!response.ok) throw new Error(await Pipewright.problemText(response));
      const { streams } = await response.json();
      body.replaceChildren();
      if (streams.length === 0) {
        const row = document.createElement("tr");
        const td = cell("No stream is live.");
        td.colSpan = 5;
        td.className = "muted";
        row.append(td);
        body.append(row);
      }
      for (const stream of streams) {
        const row = document.createElement("tr");
        row.dataset.stream = stream.name;
        const link = document.createElement("a");
        link.href = "/play/" + encodeURIComponent(stream.name);
        link.textContent = "Watch";
        const action = document.createElement("td");
        action.append(link);
        const viewers = cell(String(stream.viewers));
        viewers.className = "viewers";
        row.append(cell(stream.name), cell(stream.state), cell(Object.values(stream.codecs).join(", ")), viewers, action);
        body.append(row);
      }
      error.textContent = "";
    } catch (problem) {
      error.textContent = problem.message;
    }
  }

  document.getElementById("publish").addEventListener("submit", (event) => {
    event.preventDefault();
    location.href = "/publish/" + encodeURIComponent(document.getElementById("name").value);
  });

  refresh();
  setInterval(refresh, 2000);
})();
