// Progressive enhancement for the subscription form: preselect the browser's time zone when the
// form still shows the default. Without script the form works the same, with UTC preselected.
(() => {
  const select = document.getElementById('timezone');
  if (!select || select.value !== 'UTC') return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if ([...select.options].some((option) => option.value === zone)) select.value = zone;
})();
