// Comfort only: every page works without this file.
(function () {
  'use strict';

  // Leads per arm, updated as the marketer types on the new-campaign form.
  var form = document.querySelector('form[data-sample-size]');
  if (form) {
    var output = document.getElementById('sample-size-live');
    var endpoint = form.getAttribute('data-sample-size');
    var timer;
    var update = function () {
      var q = new URLSearchParams({
        baseline: form.elements.expectedRate.value,
        mde: form.elements.minimumDetectableEffect.value,
        confidence: form.elements.confidence.value,
        listSize: form.elements.expectedListSize.value,
        testFraction: form.elements.testFraction.value,
        variants: String(form.querySelectorAll('fieldset.variant').length),
      });
      fetch(endpoint + '?' + q.toString(), { headers: { accept: 'application/json' } })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (body) {
          if (body && output) output.textContent = body.sentence;
        })
        .catch(function () {});
    };
    form.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
  }
})();
