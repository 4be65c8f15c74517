/**
 * The /docs viewer: Scalar's API reference reading our /openapi.json. The browser loads the
 * viewer script from its CDN; the API itself serves only this page and the document.
 */
export function docsPage(specUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TaskFlow Edge API</title>
</head>
<body>
<script id="api-reference" data-url="${specUrl}"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
<noscript>The raw OpenAPI document is at <a href="${specUrl}">${specUrl}</a>.</noscript>
</body>
</html>`;
}
