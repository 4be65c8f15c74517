// Starts Swagger UI on /docs. A file rather than an inline script, so the page's CSP can
// forbid inline code. No validator badge (it would call validator.swagger.io) and no
// ?url= override (the page shows this API's document only).
"use strict";
(function () {
  var specUrl = document.currentScript.getAttribute("data-spec-url");
  window.ui = window.SwaggerUIBundle({
    url: specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
