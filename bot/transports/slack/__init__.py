"""Slack: Bolt listeners (handlers), payload reading (inbound), member profiles (profiles), Block Kit
(rendering), scheduled sends (notify) and the Web API clients (client). The app package is `app_manifest.yml`."""
