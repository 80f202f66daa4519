// Starts ReDoc (served from /static/apidocs, no CDN) on the OpenAPI document named by the page.
"use strict";
(function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapi, { hideDownloadButton: false }, root);
})();
