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
