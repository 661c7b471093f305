// Behaviour that would otherwise be inline script (forbidden by the Content-Security-Policy).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action=print]");
  if (button) {
    window.print();
  }
});
