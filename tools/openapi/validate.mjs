// validate.mjs FILE: checks an OpenAPI document against the OpenAPI
// specification (schema and references). Exit 0 when valid, 1 with the
// reason on stderr when not, 2 when the checker itself is not installed.
// Installed by build-aux/dev (npm ci in this folder).
let SwaggerParser;
try {
  ({ default: SwaggerParser } = await import('@apidevtools/swagger-parser'));
} catch {
  console.error('validate.mjs: @apidevtools/swagger-parser is not installed: run npm ci in tools/openapi');
  process.exit(2);
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.mjs FILE');
  process.exit(2);
}
try {
  const api = await SwaggerParser.validate(file);
  console.log(`valid: OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths`);
} catch (error) {
  console.error(`invalid: ${error.message}`);
  process.exit(1);
}
