/** Message ids are 22 characters of base64url (128 random bits); anything else is not one. */
const MESSAGE_ID = /^[A-Za-z0-9_-]{22}$/;

export const isMessageId = (value: string) => MESSAGE_ID.test(value);
