{{/* The service name; every object of a release is named after it. */}}
{{- define "toggle-service.name" -}}
{{- required "values: name (the service: auth, flag, targeting, evaluation, analytics) is required" .Values.name -}}
{{- end }}

{{/* <name>-service: the name the IAM roles of the EKS stack trust. */}}
{{- define "toggle-service.serviceAccountName" -}}
{{- printf "%s-service" (include "toggle-service.name" .) -}}
{{- end }}

{{/* Image reference: [registry/]prefix/name:tag. */}}
{{- define "toggle-service.image" -}}
{{- with .Values.image.registry }}{{ . }}/{{ end }}{{ .Values.image.repositoryPrefix }}/{{ include "toggle-service.name" . }}:{{ .Values.image.tag }}
{{- end }}

{{/* The IAM role of this service from the environment's serviceAccountRoles, if any. */}}
{{- define "toggle-service.serviceAccountAnnotations" -}}
{{- $role := get (.Values.serviceAccountRoles | default (dict)) .Values.name | default "" -}}
{{- toYaml (ternary (dict "eks.amazonaws.com/role-arn" $role) (dict) (ne $role "")) -}}
{{- end }}

{{/* Plain settings: PORT, each platformEnv name resolved from the environment's
     infrastructure values (empty ones left out), then the release's own env. */}}
{{- define "toggle-service.config" -}}
{{- $redisUrl := "" -}}
{{- with .Values.redis.host }}{{ $redisUrl = printf "redis://%s:%v" . $.Values.redis.port }}{{ end -}}
{{- $platform := dict
      "REDIS_URL" $redisUrl
      "AWS_REGION" .Values.region
      "AWS_SQS_URL" .Values.sqs.queueUrl
      "AWS_DYNAMODB_TABLE" .Values.dynamodb.eventsTable
      "AWS_DYNAMODB_COUNTERS_TABLE" .Values.dynamodb.countersTable
      "AWS_ENDPOINT_URL" .Values.aws.endpointUrl
      "AWS_ACCESS_KEY_ID" .Values.aws.accessKeyId
      "AWS_SECRET_ACCESS_KEY" .Values.aws.secretAccessKey -}}
{{- $config := dict "PORT" (toString .Values.port) -}}
{{- range $setting := .Values.platformEnv -}}
{{- if not (hasKey $platform $setting) }}{{ fail (printf "platformEnv: unknown setting %s" $setting) }}{{ end -}}
{{- with get $platform $setting }}{{ $_ := set $config $setting (toString .) }}{{ end -}}
{{- end -}}
{{- range $setting, $value := .Values.env }}{{ $_ := set $config $setting (toString $value) }}{{ end -}}
{{- toYaml $config -}}
{{- end }}
