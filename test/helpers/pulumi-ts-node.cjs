// Loads the Pulumi entry the way `pulumi up` does: the SDK's language host registers ts-node with the
// project's tsconfig (see @pulumi/pulumi/cmd/run/run.js) and requires the program. The argument is
// the entry file; the process prints what loading it threw, or "loaded".
const path = require("node:path");
const root = path.join(__dirname, "..", "..");
const tsutils = require(path.join(root, "node_modules/@pulumi/pulumi/tsutils.js"));
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(path.join(root, "tsconfig.json"));
require(path.join(root, "node_modules/ts-node")).register({
  compiler: "typescript",
  transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true" ? true : undefined,
  project: path.join(root, "tsconfig.json"),
  skipProject: false,
  compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});
try {
  require(path.resolve(process.argv[2]));
  console.log("loaded");
} catch (err) {
  console.log(`threw: ${err instanceof Error ? err.message : String(err)}`);
}
