export { noticeFacts, renderSlack, renderTemplate, type NoticeFacts } from './render';
export { postToSlack, type SlackPost } from './slack';
export { defaultTemplatePath, loadNoticeTemplate, vaultTemplatePath } from './template';
