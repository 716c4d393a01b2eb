// The API token input (password style). A token is checked against the backend before it is kept
// (issue 20.1): a refused one keeps the box open with the backend's reason, so a mistyped token is
// never saved; an unreachable backend cannot judge it, so that one is kept with a warning. Tokens are
// made in the Wegent web page the backend serves: the title bar button opens it. `current` is the
// box on screen, for the in-host tests (which answer it with VS Code's quick input commands).
import * as vscode from 'vscode';
import { checkToken, type TokenCheck } from './tokenCheck';

export interface TokenAnswer {
  token: string;
  /** The backend's verdict on it: ok, or not checkable (unreachable / backend error). Never 'auth'. */
  check: TokenCheck;
}

export interface AskOptions {
  backendUrl: string;
  /** Why we ask again (the stored token was refused): shown until the user types. */
  refusal?: string;
}

const t = vscode.l10n.t;

export class TokenPrompt {
  current: vscode.InputBox | undefined;

  ask({ backendUrl, refusal }: AskOptions): Promise<TokenAnswer | undefined> {
    const box = vscode.window.createInputBox();
    this.current = box;
    box.title = t('Wegent API Token');
    box.prompt = t('Paste an API token from Wegent ({0}): Settings → API Token → Generate. It is kept in VS Code’s secret storage.', backendUrl);
    box.password = true;
    box.ignoreFocusOut = true;
    if (refusal) box.validationMessage = { message: refusal, severity: vscode.InputBoxValidationSeverity.Error };
    const openWegent: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('link-external'), tooltip: t('Open Wegent in the Browser to Generate a Token') };
    box.buttons = [openWegent];
    const validate = (v: string) => (!v.trim() ? t('The token must not be empty.') : /\s/.test(v.trim()) ? t('A token has no spaces; paste it as copied.') : undefined);
    return new Promise((resolve) => {
      let result: TokenAnswer | undefined;
      box.onDidTriggerButton((button) => {
        if (button === openWegent) void vscode.env.openExternal(vscode.Uri.parse(backendUrl));
      });
      box.onDidChangeValue((v) => (box.validationMessage = v ? validate(v) : undefined));
      box.onDidAccept(async () => {
        const problem = validate(box.value);
        if (problem) {
          box.validationMessage = problem;
          return;
        }
        const token = box.value.trim();
        box.busy = true;
        box.enabled = false;
        const check = await checkToken(backendUrl, token);
        box.busy = false;
        box.enabled = true;
        if (!check.ok && check.kind === 'auth') {
          box.validationMessage = { message: check.message, severity: vscode.InputBoxValidationSeverity.Error };
          return; // a refused token is not kept: paste another one, or Escape
        }
        result = { token, check };
        box.hide();
      });
      box.onDidHide(() => {
        if (this.current === box) this.current = undefined;
        box.dispose();
        resolve(result);
      });
      box.show();
    });
  }
}
