{{/* The service name; every object of a release is named after it. */}}
{{- define "toggle-service.name" -}}
{{- required "values: name (the service: auth, flag, targeting, evaluation, analytics) is required" .Values.name -}}
{{- end }}

{{/* <name>-service: the name the IAM roles of the EKS stack trust. */}}
{{- define "toggle-service.serviceAccountName" -}}
{{- printf "%s-service" (include "toggle-service.name" .) -}}
{{- end }}

{{/* Image reference: [registry/]prefix/name:tag, where the tag names a commit. */}}
{{- define "toggle-service.image" -}}
{{- with .Values.image.registry }}{{ . }}/{{ end }}{{ .Values.image.repositoryPrefix }}/{{ include "toggle-service.name" . }}:{{ required "image.tag is required: build the images (kind/build-images.sh, cdk/scripts/push-images.sh), which write it" .Values.image.tag }}
{{- end }}

{{/* The IAM role of this service from the environment's serviceAccountRoles, if any. */}}
{{- define "toggle-service.serviceAccountAnnotations" -}}
{{- $role := get (.Values.serviceAccountRoles | default (dict)) .Values.name | default "" -}}
{{- toYaml (ternary (dict "eks.amazonaws.com/role-arn" $role) (dict) (ne $role "")) -}}
{{- end }}

{{/* Plain settings: PORT, each platformEnv variable resolved from the environment's
     infrastructure values (empty ones left out), then the release's own env. */}}
{{- define "toggle-service.config" -}}
{{- $config := dict "PORT" (toString .Values.port) -}}
{{- range $variable, $wiring := .Values.platformEnv -}}
{{- with include "toggle-service.wiredValue" (dict "wiring" $wiring "Values" $.Values) }}{{ $_ := set $config $variable . }}{{ end -}}
{{- end -}}
{{- range $setting, $value := .Values.env }}{{ $_ := set $config $setting (toString $value) }}{{ end -}}
{{- toYaml $config -}}
{{- end }}

{{/* The value of one wired variable (services/shared/topology.ts says where each comes from). */}}
{{- define "toggle-service.wiredValue" -}}
{{- $wiring := .wiring -}}
{{- $values := .Values -}}
{{- if eq $wiring.from "peer" }}{{ printf "http://%s:%v" $wiring.service $wiring.port }}
{{- else if eq $wiring.from "redis" }}{{ with $values.redis.host }}{{ printf "redis://%s:%v" . $values.redis.port }}{{ end }}
{{- else if eq $wiring.from "queue" }}{{ $values.sqs.queueUrl }}
{{- else if eq $wiring.from "table" }}{{ required (printf "dynamodb.tables.%s is required" $wiring.table) (get $values.dynamodb.tables $wiring.table) }}
{{- else if eq $wiring.from "region" }}{{ $values.region }}
{{- else if eq $wiring.from "emulator" }}{{ get $values.aws $wiring.setting }}
{{- else }}{{ fail (printf "platformEnv: unknown source %s" $wiring.from) }}
{{- end -}}
{{- end }}

{{/* The contents of the Secrets the pods read, as the cluster holds them when this is
     applied (empty under helm template): a new value rolls the pods on the next apply. */}}
{{- define "toggle-service.secretsChecksum" -}}
{{- $contents := dict -}}
{{- range $variable, $ref := .Values.secretEnv -}}
{{- $secret := lookup "v1" "Secret" $.Release.Namespace $ref.secret | default dict -}}
{{- $_ := set $contents $ref.secret ($secret.data | default dict) -}}
{{- end -}}
{{- toJson $contents | sha256sum -}}
{{- end }}

{{/* Egress rules to each backend the service uses, from the environment's backendEgress. */}}
{{- define "toggle-service.backendEgress" -}}
{{- $rules := list -}}
{{- range $backend := .Values.networkPolicy.egress.backends -}}
{{- $rules = concat $rules (required (printf "backendEgress.%s is required" $backend) (get ($.Values.backendEgress | default dict) $backend)) -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end }}
