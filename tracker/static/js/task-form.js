// The task form: the focal-person list offers only the people of the chosen lead unit.
// Every candidate is in the page with data-unit; without this script the server still
// refuses a person of another unit.
(function () {
  "use strict";
  var form = document.getElementById("task-form");
  if (!form) {
    return;
  }
  var lead = form.querySelector("select[name=lead_unit_id]");
  var person = form.querySelector("select[name=focal_person_id]");
  if (!lead || !person) {
    return;
  }
  function follow() {
    var unit = lead.value;
    Array.prototype.forEach.call(person.options, function (option) {
      if (!option.hasAttribute("data-unit")) {
        return; // the empty choice
      }
      var offered = unit !== "" && option.getAttribute("data-unit") === unit;
      option.hidden = !offered;
      option.disabled = !offered;
      if (!offered && option.selected) {
        person.value = "";
      }
    });
  }
  lead.addEventListener("change", follow);
  follow();
})();
