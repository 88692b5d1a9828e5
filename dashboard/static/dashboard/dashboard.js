// Pushed parts of the dashboard are rendered once for many people, without anyone's
// CSRF token: a Join form takes the page's own (the one htmx sends) as it is submitted.
document.addEventListener("submit", (event) => {
  const input = event.target.querySelector("input[data-page-csrf]");
  if (!input || input.value) return;
  try {
    input.value = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
  } catch (error) {
    // No token on the page: the server refuses the post and says so.
  }
});
