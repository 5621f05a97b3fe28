// Fills the sign-up form's time zone from the browser; without JavaScript it stays UTC.
(function () {
  var field = document.getElementById("timezone");
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (field && zone && field.value === "UTC") { field.value = zone; }
  } catch (e) { /* an old browser: keep UTC */ }
}());
