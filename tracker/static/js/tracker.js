// Behaviour that would otherwise be inline script (forbidden by the Content-Security-Policy).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action=print]");
  if (button) {
    window.print();
  }
});

// A form with data-confirm asks first (undoing a unit event, for instance).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
