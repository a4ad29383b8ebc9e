# The article's onboarding job: Celery retries the task on a timeout, and every
# attempt opens a new support ticket, because the request carries no key.
import requests
from celery import shared_task

SUPPORT_API = "https://support.example.com/api"


@shared_task(bind=True, autoretry_for=(requests.Timeout,), retry_backoff=True, max_retries=5)
def finalize_onboarding(self, user_id):
    account = provisioning.activate(user_id)
    if not account.ok:
        requests.post(  # expect: idempotency/retry-without-key, rejection/unchecked-response
            f"{SUPPORT_API}/tickets",
            json={"user_id": user_id, "type": "onboarding_failure"},
            timeout=5,
        )
        raise requests.Timeout(f"provisioning failed for {user_id}")
