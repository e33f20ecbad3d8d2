// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (!button) return;
  if (button.hasAttribute("data-needs-selection") &&
      !button.form.querySelector("input[name=ids]:checked")) {
    event.preventDefault();
    window.alert("Select at least one job first.");
    return;
  }
  if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
});

document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  for (const box of all.form.querySelectorAll("input[name=ids]")) box.checked = all.checked;
});

// Copy buttons: copy the text of the element named by data-copy.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.getAttribute("data-copy"));
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = "Copied";
  } catch (error) {
    button.textContent = "Copy failed";
  }
  window.setTimeout(() => { button.textContent = "Copy"; }, 1500);
});
for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;

// Live refresh: every N seconds the page is fetched again and each [data-live] region
// replaced by its new version, without a full reload. The choice is kept per browser.
const REFRESH_KEY = "river-ui-refresh";
const picker = document.querySelector("select[data-refresh]");
let timer = null;

function busy() {
  // Never replace what the operator is working on: a selection, a field being typed in.
  if (document.querySelector("input[name=ids]:checked, input[data-select-all]:checked")) return true;
  const active = document.activeElement;
  return Boolean(active && active.closest("form") && active.matches("input, textarea, select"));
}

async function refresh() {
  if (busy() || document.hidden) return;
  const response = await fetch(window.location.href, {
    headers: { "X-River-Refresh": "1" },
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of document.querySelectorAll("[data-live]")) {
    const name = region.getAttribute("data-live");
    const replacement = fresh.querySelector(`[data-live="${CSS.escape(name)}"]`);
    if (replacement) region.replaceWith(document.importNode(replacement, true));
  }
  const chart = document.querySelector("img.chart");
  if (chart) chart.src = chart.src.split("?")[0] + "?t=" + Date.now();
  document.documentElement.setAttribute("data-refreshed", String(Date.now()));
}

function schedule(seconds) {
  if (timer !== null) window.clearInterval(timer);
  timer = null;
  if (seconds > 0) timer = window.setInterval(() => { refresh().catch(() => {}); }, seconds * 1000);
}

if (picker && document.querySelector("[data-live]")) {
  picker.closest("label").hidden = false;
  const saved = window.localStorage.getItem(REFRESH_KEY);
  picker.value = saved !== null && picker.querySelector(`option[value="${CSS.escape(saved)}"]`) ? saved : "0";
  schedule(Number(picker.value));
  picker.addEventListener("change", () => {
    window.localStorage.setItem(REFRESH_KEY, picker.value);
    schedule(Number(picker.value));
  });
}
