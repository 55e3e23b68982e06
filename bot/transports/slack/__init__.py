"""Slack: Bolt listeners (handlers), payload reading (inbound), member profiles (profiles), Block Kit
(rendering), scheduled sends (notify), the Web API clients (client) and OAuth installs for many workspaces
(installs). The app package is `app_manifest.yml`."""
