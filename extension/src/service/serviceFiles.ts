// What `wegent-executor service install` writes, as text: a systemd user unit (Linux), a launchd
// agent (macOS), the Task Scheduler steps (Windows). Pure, so the contents are unit-tested on any OS.
// The token is in none of them, nor in the command line they run: that reads it with --token-file
// from the owner-only env file beside them (paths.ts).
import path from 'node:path';

export const SERVICE_NAME = 'wegent-executor';
export const LAUNCHD_LABEL = 'com.wegent.executor';

export interface ServicePaths {
  /** Owner-only folder (0700) with the env file. */
  configDir: string;
  /** WEGENT_TOKEN=… (0600). */
  envFile: string;
  /** The unit, plist or (Windows) the script the task runs. */
  unitFile: string;
  /** macOS: where launchd writes the executor's log. */
  logFile?: string;
}

export function servicePaths(platform: NodeJS.Platform, home: string, env: Record<string, string | undefined> = {}): ServicePaths {
  if (platform === 'darwin') {
    const configDir = path.join(home, 'Library', 'Application Support', 'wegent-executor');
    return { configDir, envFile: path.join(configDir, 'executor.env'), unitFile: path.join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`), logFile: path.join(home, 'Library', 'Logs', 'wegent-executor.log') };
  }
  if (platform === 'win32') {
    const configDir = path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'wegent-executor');
    return { configDir, envFile: path.join(configDir, 'executor.env'), unitFile: path.join(configDir, 'wegent-executor.cmd') };
  }
  const configDir = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'wegent-executor');
  return { configDir, envFile: path.join(configDir, 'executor.env'), unitFile: path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'systemd', 'user', `${SERVICE_NAME}.service`) };
}

/** systemd's quoting: each word in double quotes, with \ " $ % escaped (systemd.syntax(7), specifiers). */
function systemdWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$').replace(/%/g, '%%')}"`;
}

export function systemdUnit(command: string[], description: string): string {
  return [
    '[Unit]',
    `Description=${description}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    // The token comes from the env file named by --token-file in this line, never from here.
    `ExecStart=${command.map(systemdWord).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    // Exit 3 (token refused) and 5 (refused by the backend) will not fix themselves: no restart loop.
    'RestartPreventExitStatus=2 3 5',
    // SIGTERM drains (running tasks get --grace seconds); give it that long before SIGKILL.
    'TimeoutStopSec=60',
    'KillMode=mixed',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function launchdPlist(command: string[], logFile: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...command.map((w) => `    <string>${xml(w)}</string>`),
    '  </array>',
    '  <key>RunAtLoad</key><true/>',
    // Restart when it failed, not after a clean stop (launchctl bootout / SIGTERM drain).
    '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>',
    '  <key>ThrottleInterval</key><integer>5</integer>',
    '  <key>ExitTimeOut</key><integer>60</integer>',
    `  <key>StandardOutPath</key><string>${xml(logFile)}</string>`,
    `  <key>StandardErrorPath</key><string>${xml(logFile)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

const cmdWord = (w: string) => (/[\s"&|<>^]/.test(w) ? `"${w.replace(/"/g, '""')}"` : w);

/** Windows: the script Task Scheduler runs, and the steps to register it (printed, not run). */
export function windowsScript(command: string[]): string {
  return ['@echo off', `${command.map(cmdWord).join(' ')}`, ''].join('\r\n');
}

export function windowsSteps(scriptFile: string): string[] {
  return [
    `schtasks /Create /TN "Wegent executor" /SC ONLOGON /RL LIMITED /F /TR "\\"${scriptFile}\\""`,
    'schtasks /Run /TN "Wegent executor"',
    'To restart it when it fails: Task Scheduler → "Wegent executor" → Properties → Settings → "If the task fails, restart every 1 minute".',
    'To remove it: schtasks /Delete /TN "Wegent executor" /F',
  ];
}
