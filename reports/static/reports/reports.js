// The /reports/ page: create an export job, then poll the job list every 2 s (no inline script: CSP).
(function () {
  "use strict";
  const root = document.getElementById("reports");
  if (!root) return;
  const api = root.dataset.api;
  const texts = JSON.parse(document.getElementById("reports-texts").textContent);
  const body = document.querySelector("#export-jobs tbody");
  const message = document.getElementById("export-message");

  function cookie(name) {
    const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return found ? decodeURIComponent(found.split("=")[1]) : "";
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (text instanceof Node) td.appendChild(text); else td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function render(jobs) {
    body.textContent = "";
    if (!jobs.length) {
      const row = document.createElement("tr");
      cell(row, texts.none).colSpan = 8;
      body.appendChild(row);
      return;
    }
    for (const job of jobs) {
      const row = document.createElement("tr");
      row.dataset.job = job.id;
      row.dataset.status = job.status;
      const what = job.kind === "forms_zip" ? texts.all_forms : (job.params.form || job.params.list || job.kind);
      cell(row, String(job.id));
      cell(row, what);
      cell(row, job.area_name + " (" + job.area + ")");
      cell(row, job.round + "–" + (job.round + 1));
      cell(row, job.created_by);
      cell(row, (texts[job.status] || job.status) + (job.error ? ": " + job.error : ""), job.status === "failed" ? "failed" : "");
      const bar = document.createElement("div");
      bar.className = "bar";
      const inner = document.createElement("div");
      inner.style.width = job.progress + "%";
      bar.appendChild(inner);
      bar.title = job.progress + "%";
      cell(row, bar);
      if (job.download_url) {
        const a = document.createElement("a");
        a.href = job.download_url;
        a.textContent = texts.download;
        cell(row, a);
      } else {
        cell(row, "");
      }
      body.appendChild(row);
    }
  }

  async function refresh() {
    try {
      const response = await fetch(api, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) render(await response.json());
    } catch (e) { /* next poll */ }
  }

  document.getElementById("export-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const [kind, code] = document.getElementById("export-what").value.split(":");
    const payload = {
      kind: kind,
      area: document.getElementById("export-area").value,
      round: Number(document.getElementById("export-round").value),
      format: document.getElementById("export-format").value,
    };
    if (kind === "form") payload.form = code;
    if (kind === "list") payload.list = code;
    if (kind !== "list") payload.format = "xlsx";
    const response = await fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": cookie("csrftoken") },
      body: JSON.stringify(payload),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 201) {
      message.textContent = texts.created;
    } else {
      const details = Object.entries(data.errors || {}).map(([k, v]) => k + ": " + [].concat(v).join(" "));
      message.textContent = texts.error + " " + (data.message || "") + " " + details.join("; ");
    }
    refresh();
  });

  refresh();
  setInterval(refresh, 2000);
})();
