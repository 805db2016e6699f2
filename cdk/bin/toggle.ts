import { App } from "aws-cdk-lib";
import { readSettings } from "../lib/settings.ts";
import { APP_CONTEXT, buildToggleStacks } from "../lib/toggle-app.ts";

const app = new App({ context: APP_CONTEXT });
buildToggleStacks(app, readSettings(app.node));
app.synth();
