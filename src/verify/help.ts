/** The verify command's --help. */

import { exitCodesHelp } from "../cli/failure.ts";
import { commonHelp } from "../cli/main.ts";

export const HELP = `Usage: npm run verify -- [options]
       npm run verify -- share-tuned-model tunedModels/ID --grantee-type USER|GROUP|EVERYONE [--email ADDRESS] [--role READER|WRITER|OWNER] [options]

Authenticates the way a consumer of the stack will and proves it can call Gemini: on the Gemini API
it lists the models (every page) and with --probe calls one of them (--probe-generate generates one
token); on Vertex it calls countTokens on each of the stack's models. Says why when it cannot.

What to verify (--target; default: the stack outputs' target, else gemini-api):
  --target gemini-api      the Gemini API (generativelanguage.googleapis.com)
  --target vertex          Vertex AI, now Gemini Enterprise Agent Platform (aiplatform.googleapis.com):
                           countTokens on each model at the location, as the identity
  --target both            both, each reported on its own
  --location LOCATION      where Vertex is called (default: the outputs' vertex.location, else global)
  --model NAME             a Vertex model to call, e.g. gemini-3.8-flash (repeatable; default: the
                           outputs' vertex.models, else gemini-3.8-flash)
  An API key calls Vertex in express mode: project-less and global, whatever --location says.

Where the stack's facts come from (optional):
  --stack NAME             read the stack's outputs with \`pulumi stack output --json\`
  --outputs FILE           read them from a file saved from that command (no Pulumi CLI needed)

Identity (--auth; default: service-account if the stack issues a key, impersonate if it is
keyless, adc without a stack; --key-file or --client-file pick their own):
  --auth service-account   a service-account key: --key-file FILE, or the stack's key secret
  --auth oauth             a person, through the Desktop client: --client-file FILE, or the stack's
  --auth adc               Application Default Credentials (gcloud login, GOOGLE_APPLICATION_CREDENTIALS
                           including Workload Identity Federation files, the metadata server)
  --auth impersonate       keyless: your ADC impersonates the stack's account (or --impersonate EMAIL)
  --auth api-key           the stack's API key, or GOOGLE_API_KEY / GEMINI_API_KEY
  --account KEY            which of the stack's service accounts (default: the only one, or "runtime")
  --project PROJECT        the quota project user credentials bill, and without a stack the project
                           Vertex is called in (default: the stack's)
  --scope URL              request this scope instead of the defaults (repeatable)
  --no-browser             print the sign-in address instead of opening a browser
  --login-timeout SECONDS  how long to wait for the sign-in (default 300)
  --token-cache FILE       where the sign-in is saved (default: ~/.cache/gemini-access-kit/oauth-tokens.json,
                           or GEMINI_KIT_TOKEN_CACHE)
  --logout                 forget the saved sign-in for the Desktop client, then exit

Checks:
  --expect-model NAME      fail unless this model is listed, e.g. gemini-3.8-flash or
                           models/gemini-3.8-flash (repeatable)
  --probe                  then call countTokens on the first --expect-model, or else on the
                           newest gemini-N-flash listed: proves the identity can call a model.
                           Free and exempt from the model's quota, so a quota of 0 passes it
  --probe-generate         call generateContent for one output token instead: billed, and counts
                           against the quota, so it also proves the project may generate.
                           On Vertex, --probe adds nothing: its countTokens calls are the probe
                           already (free on the Gemini API; whether Vertex bills them is not
                           verified here), and a billed call on every CI run would prove little
                           more, as pay-as-you-go Vertex has no per-project quota to find at 0.
                           --probe-generate adds one generateContent there (a few tokens, billed),
                           the one call that exercises generation itself: billing, Model Armor
  --tuned                  also list tuned models (legacy: none can be tuned since May 2025)
  --page-size N            models per page (default: Google's, 50)
  --wait SECONDS           retry "API not enabled" with backoff for up to this long (a freshly
                           enabled API takes minutes to reach every server)
  --timeout SECONDS        per request (default 30)
  --retries N              retries on 429, 5xx and network errors (default 4)

One identity at a time: --key-file, --client-file and --impersonate each name one, and --auth must
agree with the one named. --account needs --stack or --outputs.

Output (--json prints one object: { ok, command, target, targets, identity, project, models?,
probe?, vertex?, error? }; targets holds each target's { ok, error? }):
${commonHelp(27)}
Endpoints (for Private Service Connect, proxies, tests): GOOGLE_GEMINI_BASE_URL,
GEMINI_KIT_AIPLATFORM_ENDPOINT (every Vertex call, whatever the location), GEMINI_KIT_OAUTH2_TOKEN_URL,
GEMINI_KIT_OAUTH2_AUTH_URL, GEMINI_KIT_SECRETMANAGER_ENDPOINT, GEMINI_KIT_IAMCREDENTIALS_ENDPOINT.
Each must be https://, or http:// to a loopback address; every one that is set is named on stderr.

${exitCodesHelp({ ok: "verified: the identity got a token and listed the models (and, with --probe, called one); on Vertex, every model answered", failed: "a check failed (the reason and its fix are printed)" })}`;
