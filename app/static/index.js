"use strict";
// Fills the form from the example buttons and asks POST /predict, showing the verdict in place.

const form = document.getElementById("predict-form");
const verdict = document.getElementById("verdict");

function show(text, kind) {
  verdict.hidden = false;
  verdict.textContent = text;
  verdict.className = kind;
}

for (const button of document.querySelectorAll("button.example")) {
  button.addEventListener("click", () => {
    for (const [name, value] of Object.entries(JSON.parse(button.dataset.values))) {
      form.elements[name].value = value;
    }
    verdict.hidden = true;
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const row = {};
  for (const input of form.querySelectorAll("input")) {
    // An unparseable entry becomes null, which the service rejects with a message naming the field.
    row[input.name] = Number.isFinite(input.valueAsNumber) ? input.valueAsNumber : null;
  }
  show("Checking…", "pending");
  try {
    const response = await fetch(form.action, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(row),
    });
    const result = await response.json();
    if (!response.ok) {
      show(`Not checked: ${result.error}`, "error");
      return;
    }
    const name = result.class.charAt(0).toUpperCase() + result.class.slice(1);
    show(`${name} (label ${result.label}), probability ${(100 * result.probability).toFixed(1)} %`,
         `label-${result.label}`);
    verdict.dataset.label = result.label;
  } catch (error) {
    show(`The service did not answer: ${error.message}`, "error");
  }
});
