// Behaviour of the team pages without inline handlers (Content-Security-Policy, docs/security.md):
// buttons say what they do in data- attributes.
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  if (target.closest("[data-print]")) {
    window.print();
    return;
  }
  const asking = target.closest("button[data-ask]");
  if (asking && !window.confirm(asking.dataset.ask)) event.preventDefault();
});
for (const bar of document.querySelectorAll("[data-percent]")) {
  bar.style.width = `${Math.max(0, Math.min(100, Number(bar.dataset.percent) || 0))}%`;
}
